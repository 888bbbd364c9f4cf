import { confusableSkeleton } from '../jid/confusables.js';
import { nicknameComparisonKey, PrecisError } from '../jid/precis.js';

/**
 * The keys under which a room compares nicknames: two nicknames sharing either key are the
 * same nickname to the room, so the second comer gets `conflict`. The shown nickname stays
 * as typed.
 *
 * - `caseless`: the TS #39 skeleton of the RFC 8266 comparison form ("ALICE", "Ａｌｉｃｅ",
 *   "аlice" with a Cyrillic а and "a\u0301lice" all meet "alice"/"álice").
 * - `shape`: the skeleton of the nickname as typed, then lowercased. Case folding first would
 *   turn a capital I into i, while in the sans-serif fonts of chat clients "PauI" looks like
 *   "Paul": the skeleton maps I, l and 1 to one prototype, so it must see the case as typed.
 */
export function nickKeys(nick: string): [caseless: string, shape: string] {
  return [`caseless:${confusableSkeleton(comparisonForm(nick))}`, `shape:${confusableSkeleton(nick.normalize('NFKC')).toLowerCase()}`];
}

/** Nicknames stored before these rules (reserved nicks) may fail them; they still get a key. */
function comparisonForm(nick: string): string {
  try {
    return nicknameComparisonKey(nick);
  } catch (error) {
    if (error instanceof PrecisError) return nick.toLowerCase().normalize('NFKC');
    throw error;
  }
}
