import { createHmac } from 'node:crypto';

/** A time-limited TURN credential. */
export interface TurnCredential {
  username: string;
  password: string;
  /** Milliseconds since the epoch. */
  expires: number;
}

/**
 * coturn's REST API credentials (`use-auth-secret`, draft-uberti-behave-turn-rest): the user
 * name is `<expiry in Unix seconds>:<user>`, the password base64(HMAC-SHA1(secret, user name)).
 * coturn recomputes the password from the name and refuses it once the expiry has passed, so
 * nothing is shared but the secret. `user` is an opaque id, never a JID: coturn logs names.
 */
export function turnCredential(secret: string, user: string, lifetimeMs: number, now: number): TurnCredential {
  const expiresSeconds = Math.floor((now + lifetimeMs) / 1000);
  const username = `${expiresSeconds}:${user}`;
  const password = createHmac('sha1', secret).update(username).digest('base64');
  return { username, password, expires: expiresSeconds * 1000 };
}
