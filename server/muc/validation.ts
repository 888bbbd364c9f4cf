import type { Jid } from '../jid/jid.js';
import { normaliseNickname, type NicknameProblem } from '../jid/nickname.js';
import { StanzaError } from '../xml/errors.js';
import { LIMITS } from './limits.js';

const NICK_REFUSALS: Record<NicknameProblem, () => StanzaError> = {
  'unusable': () => new StanzaError('modify', 'jid-malformed', 'this nickname contains characters that cannot be used'),
  'invisible': () => new StanzaError('modify', 'jid-malformed', 'this nickname contains invisible or control characters'),
  'blank': () => new StanzaError('modify', 'jid-malformed', 'a nickname cannot be blank or start or end with a space'),
  'too-long': () => new StanzaError('modify', 'not-acceptable', `a nickname has at most ${LIMITS.nickLength} characters`),
};

/**
 * A nickname normalised like a JID resourcepart (RFC 7622), or a jid-malformed error
 * (jid/nickname.ts has the rules). Every room normalises nicknames alike, so `_room` only
 * names where the nickname is used.
 */
export function checkNick(_room: Jid, raw: string): string | StanzaError {
  const checked = normaliseNickname(raw, LIMITS.nickLength);
  return 'nick' in checked ? checked.nick : NICK_REFUSALS[checked.problem]();
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
