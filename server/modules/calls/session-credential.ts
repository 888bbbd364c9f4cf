import { SessionKey, type Session } from '../../core/session.js';
import { randomId } from '../../util/random-ids.js';
import { turnCredential, type TurnCredential } from './turn-credentials.js';

/**
 * Who this session is to the TURN server: random, the same for the whole session, so that
 * coturn's logs and quotas can tell sessions apart without learning who anyone is.
 */
const TURN_USER = new SessionKey<string>('turn user', () => randomId(12));
/** The credential last handed to this session. */
const TURN_CREDENTIAL = new SessionKey<TurnCredential | null>('turn credential', () => null);

/**
 * A credential is handed out again until less than this share of its lifetime is left: every
 * answer then works for at least half the lifetime (coturn refuses an allocation's refresh
 * once the name's expiry has passed), and a client asking again and again gets one user name,
 * so coturn's per-user quota (`user-quota`) counts all of that session's relays together.
 */
const RENEW_WHEN_LEFT = 0.5;

/** The session's TURN credential: the one it already has, or a new one when that nears its expiry. */
export function sessionTurnCredential(session: Session, secret: string, lifetimeMs: number, now: number): TurnCredential {
  const held = session.get(TURN_CREDENTIAL);
  if (held && held.expires - now > lifetimeMs * RENEW_WHEN_LEFT) return held;
  const fresh = turnCredential(secret, session.get(TURN_USER), lifetimeMs, now);
  session.set(TURN_CREDENTIAL, fresh);
  return fresh;
}
