/**
 * PRECIS (RFC 8264) and the two RFC 8265 profiles that XMPP addresses use (RFC 7622):
 * UsernameCaseMapped for localparts and OpaqueString for resourceparts. OpaqueString is also the
 * profile SCRAM passwords use, so this file knows nothing about JIDs. The RFC 8266 Nickname
 * profile's comparison tells when two room nicknames are the same.
 *
 * Hand-written, because no maintained npm package exists. Rather than shipping the IANA PRECIS
 * tables we derive a code point's property with the RFC 8264 §8 algorithm from JS Unicode
 * property escapes, so the rules follow the Unicode version of the running V8 (RFC 8264 §11 allows
 * that). The regular expressions only flag the code points that are not plainly valid; the exact
 * decision, in RFC order, is made per flagged code point in `verdict`. Pure-ASCII input, the
 * common case, never reaches the Unicode machinery.
 */

export class PrecisError extends Error {}

/** Upper bound on input length before any work: a guard against megabyte strings, far above any valid value. */
const MAX_INPUT = 8 * 1024;

// --- Profiles (RFC 8265) ---

/**
 * UsernameCaseMapped (RFC 8265 §3.3): width mapping, toLowerCase, NFC, the Bidi Rule, then the
 * IdentifierClass. Returns the enforced string; throws PrecisError.
 */
export function usernameCaseMapped(input: string): string {
  if (input.length === 0) throw new PrecisError('empty');
  // ASCII letters, digits and printable punctuation are all PVALID; only the case needs mapping.
  if (PRINTABLE_ASCII.test(input)) return input.toLowerCase();
  if (input.length > MAX_INPUT) throw new PrecisError('too long');
  const value = input.replace(WIDE_OR_NARROW, (c) => c.normalize('NFKC')).toLowerCase().normalize('NFC');
  const problem = identifierClassViolation(value) ?? (containsRtl(value) ? bidiRuleViolation(value) : null);
  if (problem) throw new PrecisError(problem);
  return value;
}

/**
 * OpaqueString (RFC 8265 §4.2): non-ASCII spaces become U+0020, NFC, then the FreeformClass.
 * Case and width are preserved. Returns the enforced string; throws PrecisError.
 */
export function opaqueString(input: string): string {
  if (input.length === 0) throw new PrecisError('empty');
  if (PRINTABLE_ASCII_OR_SPACE.test(input)) return input;
  if (input.length > MAX_INPUT) throw new PrecisError('too long');
  const value = input.replace(SPACE_SEPARATORS, ' ').normalize('NFC');
  const problem = freeformClassViolation(value);
  if (problem) throw new PrecisError(problem);
  return value;
}

/**
 * The form in which two nicknames are compared (RFC 8266 §2.4): FreeformClass, non-ASCII
 * spaces mapped to U+0020, leading and trailing spaces removed and inner runs collapsed,
 * toLowerCase, NFKC. "Alice", "ALICE", "Ａｌｉｃｅ" and "alice " compare equal. Rooms show a
 * nickname as typed and use this only to compare (enforcement would NFKC the shown form).
 * Throws PrecisError.
 */
export function nicknameComparisonKey(input: string): string {
  if (input.length === 0) throw new PrecisError('empty');
  if (input.length > MAX_INPUT) throw new PrecisError('too long');
  // RFC 8264 §7: NFKC can yield characters that case mapping changes again, so the rules are
  // applied until the result is stable, and a string still changing after three more rounds is rejected.
  let value = input;
  for (let round = 0; round < 4; round++) {
    const next = nicknameComparisonRules(value);
    if (next === value) return value;
    value = next;
  }
  throw new PrecisError('unstable under the nickname rules');
}

function nicknameComparisonRules(value: string): string {
  const problem = freeformClassViolation(value);
  if (problem) throw new PrecisError(problem);
  const mapped = value.replace(SPACE_SEPARATORS, ' ').replace(/ {2,}/g, ' ').replace(/^ | $/g, '').toLowerCase().normalize('NFKC');
  if (mapped.length === 0) throw new PrecisError('empty after mapping');
  return mapped;
}

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const PRINTABLE_ASCII_OR_SPACE = /^[\x20-\x7e]+$/;
// Code points whose decomposition is <wide> or <narrow>: U+3000 and the Halfwidth and Fullwidth
// Forms block. RFC 8265 maps exactly these (not all compatibility forms: 'Ⅳ' stays and is rejected).
const WIDE_OR_NARROW = /[\u3000\uff01-\uffee]/g;
const SPACE_SEPARATORS = /\p{Zs}/gu;

// --- String classes (RFC 8264 §4, derived per §8) ---

// Valid in every class whatever their category: the PVALID exceptions of RFC 5892 §2.6.
const EXCEPTION_PVALID = new Set(['\u00df', '\u03c2', '\u06fd', '\u06fe', '\u0f0b', '\u3007']);
// Rejected in every class whatever their category: the DISALLOWED exceptions of RFC 5892 §2.6,
// unassigned (§9.4) and surrogate code points, OldHangulJamo (§9.7; after NFC only isolated jamo
// are left), default-ignorables and noncharacters (§9.8, noncharacters are Cn) and controls (§9.9).
const ALWAYS_DISALLOWED = /[\u0640\u07fa\u302e\u302f\u3031-\u3035\u303b\p{Cn}\p{Cs}\p{Cc}\p{Default_Ignorable_Code_Point}\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff]/u;
// CONTEXTO (RFC 5892 §2.6) and CONTEXTJ (join controls): allowed only where their rule holds.
const CONTEXTUAL = /[\u00b7\u0375\u05f3\u05f4\u0660-\u0669\u06f0-\u06f9\u30fb\u200c\u200d]/u;
// IdentifierClass: ASCII7 and LetterDigits (§9.1, §9.11) are PVALID; everything else needs a look.
const IDENTIFIER_FLAG = new RegExp(
  `[^\\x21-\\x7e\\p{Ll}\\p{Lu}\\p{Lo}\\p{Lm}\\p{Nd}\\p{Mn}\\p{Mc}]|${ALWAYS_DISALLOWED.source}|${CONTEXTUAL.source}`, 'u');
const LETTER_DIGITS = /[\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Nd}\p{Mn}\p{Mc}]/u;
// FreeformClass additionally allows OtherLetterDigits, spaces, symbols, punctuation and HasCompat
// (§9.12, §9.14-§9.17). What is left is DISALLOWED (§9.18): Cf, Co, Zl, Zp and the above (no
// code point of those categories has a compatibility decomposition, so HasCompat changes nothing).
const FREEFORM_FLAG = new RegExp(
  `[\\p{Cf}\\p{Co}\\p{Zl}\\p{Zp}]|${ALWAYS_DISALLOWED.source}|${CONTEXTUAL.source}`, 'u');
const FREEFORM_VALID = /[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]/u;

/** Why `value` (already mapped and normalised) is not in the IdentifierClass, or null if it is. */
export function identifierClassViolation(value: string): string | null {
  if (IDENTIFIER_FLAG.test(value)) {
    const cps = Array.from(value);
    for (let i = 0; i < cps.length; i++) {
      if (IDENTIFIER_FLAG.test(cps[i]!) && !verdict(cps, i, 'identifier')) return disallowed(cps[i]!);
    }
  }
  // HasCompat (§9.3) is ID_DIS. On an NFC string, NFKC changes something exactly when some code
  // point has a compatibility decomposition, so one call replaces a per-code-point test.
  if (value.normalize('NFKC') !== value) return 'compatibility character (e.g. ligature, superscript, roman numeral)';
  return null;
}

/** Why `value` (already mapped and normalised) is not in the FreeformClass, or null if it is. */
function freeformClassViolation(value: string): string | null {
  if (!FREEFORM_FLAG.test(value)) return null;
  const cps = Array.from(value);
  for (let i = 0; i < cps.length; i++) {
    if (FREEFORM_FLAG.test(cps[i]!) && !verdict(cps, i, 'freeform')) return disallowed(cps[i]!);
  }
  return null;
}

function disallowed(cp: string): string {
  return `disallowed character U+${cp.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The RFC 8264 §8 decision for one flagged code point, with its neighbours for context rules. */
function verdict(cps: string[], i: number, cls: 'identifier' | 'freeform'): boolean {
  const cp = cps[i]!;
  if (EXCEPTION_PVALID.has(cp)) return true;
  if (CONTEXTUAL.test(cp)) return contextRule(cps, i) || (cls === 'freeform' && emojiSequence(cps, i));
  if (ALWAYS_DISALLOWED.test(cp)) return cls === 'freeform' && emojiSequence(cps, i);
  return cls === 'identifier' ? LETTER_DIGITS.test(cp) : FREEFORM_VALID.test(cp);
}

// --- Context rules (RFC 5892 Appendix A) ---

function contextRule(cps: string[], i: number): boolean {
  const before = cps[i - 1];
  const after = cps[i + 1];
  switch (cps[i]) {
    case '\u200d': // ZERO WIDTH JOINER: after a virama
      return before !== undefined && isVirama(before);
    case '\u200c': // ZERO WIDTH NON-JOINER: after a virama, or between joining letters
      return (before !== undefined && isVirama(before)) || betweenJoiningLetters(cps, i);
    case '\u00b7': // MIDDLE DOT: only in Catalan "l·l"
      return before === 'l' && after === 'l';
    case '\u0375': // GREEK LOWER NUMERAL SIGN: before a Greek character
      return after !== undefined && /\p{Script=Greek}/u.test(after);
    case '\u05f3': case '\u05f4': // HEBREW GERESH, GERSHAYIM: after a Hebrew character
      return before !== undefined && /\p{Script=Hebrew}/u.test(before);
    case '\u30fb': // KATAKANA MIDDLE DOT: somewhere in a Japanese string
      return cps.some((c) => /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(c));
    default: // ARABIC-INDIC and EXTENDED ARABIC-INDIC digits must not be mixed
      return /[\u0660-\u0669]/u.test(cps[i]!)
        ? !cps.some((c) => /[\u06f0-\u06f9]/u.test(c))
        : !cps.some((c) => /[\u0660-\u0669]/u.test(c));
  }
}

/**
 * Canonical_Combining_Class = 9 (Virama), which JS cannot query directly. Canonical ordering
 * reveals it: NFD swaps two adjacent marks when the first has the higher non-zero class. With
 * DEVANAGARI SIGN VIRAMA (ccc 9) before `cp`, a swap means 0 < ccc < 9; with HEBREW POINT SHEVA
 * (ccc 10) before it, no swap means ccc is 0 or at least 10. Neither holding means ccc = 9.
 */
function isVirama(cp: string): boolean {
  if (cp.normalize('NFD') !== cp) return false;
  const afterVirama = '\u094d' + cp;
  const afterSheva = '\u05b0' + cp;
  return afterVirama.normalize('NFD') === afterVirama && afterSheva.normalize('NFD') !== afterSheva;
}

/**
 * The ZWNJ joining-type rule, approximated: JS has no Joining_Type property, so "a dual- or
 * left-joining letter, transparent marks, ZWNJ, transparent marks, a dual- or right-joining
 * letter" becomes "letters of the cursive joining scripts on both sides, skipping marks". This is
 * what Persian, Urdu, Kurdish etc. need.
 */
const JOINING_LETTER = /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Mandaic}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}\p{Script=Phags_Pa}]/u;
const TRANSPARENT = /[\p{Mn}\p{Me}]/u;

function betweenJoiningLetters(cps: string[], i: number): boolean {
  let b = i - 1;
  while (b >= 0 && TRANSPARENT.test(cps[b]!)) b--;
  let a = i + 1;
  while (a < cps.length && TRANSPARENT.test(cps[a]!)) a++;
  return b >= 0 && a < cps.length && JOINING_LETTER.test(cps[b]!) && JOINING_LETTER.test(cps[a]!) &&
    /\p{L}/u.test(cps[b]!) && /\p{L}/u.test(cps[a]!);
}

/**
 * DEVIATION from RFC 8264 (FreeformClass only): emoji presentation sequences and ZWJ sequences.
 * VARIATION SELECTOR-16 is default-ignorable and ZWJ's only context rule is the virama, so strict
 * PRECIS rejects "❤️" and "👩‍💻", which phone keyboards produce all the time; resourceparts are MUC
 * nicknames, and guests must be able to join with the nickname they typed. We allow U+FE0E/U+FE0F
 * right after an emoji, and ZWJ between two emoji (the left one possibly with a modifier or
 * selector). Every other invisible character stays rejected.
 */
function emojiSequence(cps: string[], i: number): boolean {
  const cp = cps[i]!;
  const before = cps[i - 1];
  if (cp === '\ufe0e' || cp === '\ufe0f') return before !== undefined && /\p{Emoji}/u.test(before);
  if (cp === '\u200d') {
    const after = cps[i + 1];
    return before !== undefined && after !== undefined && /\p{Extended_Pictographic}/u.test(after) &&
      (/[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]/u.test(before));
  }
  return false;
}

// --- Bidi Rule (RFC 5893 §2) ---

// JS has no Bidi_Class property. Among the characters the IdentifierClass and IDNA2008 admit, the
// classes follow closely from the script blocks below plus a few fixed digits and ASCII
// punctuation; this is the best effort the profile asks for, not a full UAX #9 table.
const RTL_BLOCKS = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;
const ARABIC_NUMBER = /[\u0600-\u0605\u0660-\u0669\u066b\u066c\u06dd\u08e2]/u;
const NONSPACING = /[\p{Mn}\p{Me}]/u;

type BidiClass = 'L' | 'R' | 'AN' | 'EN' | 'ES' | 'CS' | 'ET' | 'ON' | 'BN' | 'NSM';

function bidiClass(cp: string): BidiClass {
  if (cp < '\x80') {
    if (cp >= '0' && cp <= '9') return 'EN';
    if (/[a-zA-Z]/.test(cp)) return 'L';
    if (cp === '+' || cp === '-') return 'ES';
    if (cp === ',' || cp === '.' || cp === '/' || cp === ':') return 'CS';
    if (cp === '#' || cp === '$' || cp === '%') return 'ET';
    return 'ON';
  }
  if (NONSPACING.test(cp)) return 'NSM';
  if (cp === '\u200c' || cp === '\u200d') return 'BN'; // the only format characters that get this far
  if (cp >= '\u06f0' && cp <= '\u06f9') return 'EN';
  if (ARABIC_NUMBER.test(cp)) return 'AN';
  if (cp === '\u00b7' || cp === '\u0375' || cp === '\u30fb') return 'ON';
  return RTL_BLOCKS.test(cp) ? 'R' : 'L';
}

/** Whether the Bidi Rule applies: the string has a right-to-left (R, AL) or Arabic-number character. */
export function containsRtl(value: string): boolean {
  return RTL_BLOCKS.test(value) && Array.from(value).some((c) => { const k = bidiClass(c); return k === 'R' || k === 'AN'; });
}

/** Why `value` breaks the six conditions of the Bidi Rule, or null if it keeps them. */
export function bidiRuleViolation(value: string): string | null {
  const classes = Array.from(value, bidiClass);
  const first = classes[0];
  if (first !== 'L' && first !== 'R') return 'bidi: must start with a left-to-right or right-to-left letter';
  let last = classes.length - 1;
  while (last > 0 && classes[last] === 'NSM') last--;
  const end = classes[last]!;
  if (first === 'R') {
    if (classes.includes('L')) return 'bidi: left-to-right character in a right-to-left string';
    if (end !== 'R' && end !== 'EN' && end !== 'AN') return 'bidi: right-to-left string must end with a letter or digit';
    if (classes.includes('EN') && classes.includes('AN')) return 'bidi: European and Arabic-Indic digits mixed';
  } else {
    if (classes.includes('R') || classes.includes('AN')) return 'bidi: right-to-left character in a left-to-right string';
    if (end !== 'L' && end !== 'EN') return 'bidi: left-to-right string must end with a letter or digit';
  }
  return null;
}
