/**
 * The nickname rules every way into a room shares (a guest's link, a room join, a site's
 * token): normalised like a JID resourcepart (RFC 7622), then refused when it could pass for
 * someone else or draw nothing.
 */
import { Jid, JidError } from './jid.js';
import { nicknameComparisonKey, PrecisError } from './precis.js';

// The JID resourcepart profile (OpaqueString) already refuses controls, bidi formatting
// characters and other invisible ones; nicknames coming from payloads (admin items,
// registration, tokens) are checked here too. BRAILLE PATTERN BLANK is a symbol that draws
// nothing: the usual way to fake a blank nickname or pad a look-alike of someone else's.
const FORBIDDEN_IN_NICK = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2800]/u;

/** Code points in a nickname (muc/limits.ts uses it too). */
export const NICKNAME_MAX_LENGTH = 64;

export type NicknameProblem = 'unusable' | 'invisible' | 'blank' | 'too-long';

/** The normalised nickname, or what is wrong with it. `maxLength` counts code points. */
export function normaliseNickname(raw: string, maxLength = NICKNAME_MAX_LENGTH): { nick: string } | { problem: NicknameProblem } {
  let nick: string;
  try {
    nick = Jid.of(null, 'nickname.invalid', raw).resource!;
  } catch (error) {
    if (error instanceof JidError) return { problem: 'unusable' };
    throw error;
  }
  if (FORBIDDEN_IN_NICK.test(nick)) return { problem: 'invisible' };
  if (nick.trim() !== nick || nick.trim() === '') return { problem: 'blank' };
  if (!passesNicknameRules(nick)) return { problem: 'unusable' };
  if ([...nick].length > maxLength) return { problem: 'too-long' };
  return { nick };
}

/** RFC 8266: rooms compare nicknames by its rules (muc/nick-key.ts), so a nickname must pass them. */
function passesNicknameRules(nick: string): boolean {
  try {
    nicknameComparisonKey(nick);
    return true;
  } catch (error) {
    if (error instanceof PrecisError) return false;
    throw error;
  }
}
