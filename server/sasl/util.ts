/** Small helpers shared by the SASL mechanisms. */
import { type Jid, tryParseJid } from '../jid/jid.js';
import type { SaslCondition, SaslStep } from './mechanism.js';

export function fail(condition: SaslCondition, text?: string): SaslStep {
  return text === undefined ? { kind: 'failure', condition } : { kind: 'failure', condition, text };
}

/** The answer for an account whose attempts are refused for now (SaslContext.accountBlocked). */
export function accountThrottled(): SaslStep {
  return fail('temporary-auth-failure', 'too many failed attempts for this account, try again in a minute');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 (no U+FFFD substitution); null when the bytes are not valid UTF-8. */
export function decodeUtf8(data: Uint8Array): string | null {
  try {
    return utf8.decode(data);
  } catch {
    return null;
  }
}

/** Canonical base64 only (no whitespace, correct padding); null otherwise. */
export function decodeBase64Strict(value: string): Buffer | null {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64');
  return decoded.toString('base64') === value ? decoded : null;
}

/** A requested authorization identity is acceptable only when it is the user's own bare JID. */
export function authzidMatches(authzid: string, user: Jid): boolean {
  try {
    const requested = tryParseJid(authzid);
    return requested !== null && requested.toString() === user.bare().toString();
  } catch {
    return false;
  }
}

/** RFC 5801 / 5802 saslname: `,` is sent as `=2C` and `=` as `=3D`; any other `=` is malformed. */
export function decodeSaslname(value: string): string | null {
  if (!/^(?:[^=,\0]|=2C|=3D)+$/u.test(value)) return null;
  return value.replace(/=2C|=3D/g, (escape) => (escape === '=2C' ? ',' : '='));
}

/**
 * The turn-taking of a mechanism whose client sends a single message (PLAIN, OAUTHBEARER):
 * without an initial response the server asks for it with an empty challenge (RFC 6120
 * §6.4.2), and anything after that message is malformed.
 */
export class SingleMessage {
  private phase: 'initial' | 'asked' | 'done' = 'initial';

  constructor(private readonly mechanism: string) {}

  /** The answer to send before any checking (a challenge or a failure), or null: `data` is the message. */
  early(data: Buffer): SaslStep | null {
    const phase = this.phase;
    this.phase = 'done';
    if (phase === 'done') return fail('malformed-request', `unexpected ${this.mechanism} message`);
    if (phase === 'initial' && data.length === 0) {
      this.phase = 'asked';
      return { kind: 'challenge', data: Buffer.alloc(0) };
    }
    return null;
  }
}
