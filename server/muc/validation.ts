import { JidError, type Jid } from '../jid/jid.js';
import { nicknameComparisonKey, PrecisError } from '../jid/precis.js';
import { StanzaError } from '../xml/errors.js';
import { LIMITS } from './limits.js';

// The JID resourcepart profile (OpaqueString) already refuses controls, bidi formatting
// characters and other invisible ones; nicknames coming from payloads (admin items,
// registration) are checked here too. BRAILLE PATTERN BLANK is a symbol that draws nothing:
// the usual way to fake a blank nickname or pad a look-alike of someone else's.
const FORBIDDEN_IN_NICK = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2800]/u;

/**
 * A nickname normalised like a JID resourcepart (RFC 7622), or a jid-malformed error.
 * Blank nicknames and nicknames with surrounding spaces are refused: they impersonate others.
 */
export function checkNick(room: Jid, raw: string): string | StanzaError {
  let nick: string;
  try {
    nick = room.withResource(raw).resource!;
  } catch (error) {
    if (error instanceof JidError) return new StanzaError('modify', 'jid-malformed', 'this nickname contains characters that cannot be used');
    throw error;
  }
  if (FORBIDDEN_IN_NICK.test(nick)) return new StanzaError('modify', 'jid-malformed', 'this nickname contains invisible or control characters');
  if (nick.trim() !== nick || nick.trim() === '') {
    return new StanzaError('modify', 'jid-malformed', 'a nickname cannot be blank or start or end with a space');
  }
  if (!passesNicknameRules(nick)) return new StanzaError('modify', 'jid-malformed', 'this nickname contains characters that cannot be used');
  if (codePoints(nick) > LIMITS.nickLength) {
    return new StanzaError('modify', 'not-acceptable', `a nickname has at most ${LIMITS.nickLength} characters`);
  }
  return nick;
}

/** RFC 8266: rooms compare nicknames by its rules (nick-key.ts), so a nickname must pass them. */
function passesNicknameRules(nick: string): boolean {
  try {
    nicknameComparisonKey(nick);
    return true;
  } catch (error) {
    if (error instanceof PrecisError) return false;
    throw error;
  }
}

/** Room localparts are already normalised by the JID layer; only their length is ours to cap. */
export function checkRoomName(name: string): StanzaError | null {
  if (codePoints(name) > LIMITS.roomNameLength) {
    return new StanzaError('modify', 'not-acceptable', `a room name has at most ${LIMITS.roomNameLength} characters`);
  }
  return null;
}

export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Trims a free-text value from a client to a cap, without splitting a surrogate pair. */
export function capText(value: string, max: number): string {
  if (value.length <= max) return value;
  return Array.from(value).slice(0, max).join('');
}
