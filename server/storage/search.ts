/**
 * What a search of the room archive means, whatever the backend: what a user typed into a
 * search box becomes "messages containing all of these words". Bare words of three or more
 * characters also match longer words ("deploy" finds "deployment"); a "quoted run" is a
 * phrase. Query syntax of any backend (FTS5's OR, NOT, NEAR(), `*`, `^`, parentheses) in the
 * input is searched for as text, never interpreted.
 */
import type { Element } from '../xml/element.js';

/** Longer input is cut (in characters): a search box, not a document. */
const MAX_SEARCH_LENGTH = 200;
/** Each term is one more index lookup; beyond this the rest is ignored. */
export const MAX_SEARCH_TERMS = 10;
/** Bare words this long or longer also match longer words. */
const PREFIX_MIN_LENGTH = 3;

// A "quoted run" is searched as a phrase; anything else splits on whitespace.
const TOKEN = /"([^"]*)"?|[^\s"]+/gu;
const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;
const CONTROL = /\p{Cc}/gu;

export interface SearchTerm {
  /** The word or phrase, as typed. */
  text: string;
  /** Its last word may also be the start of a longer word. */
  prefix: boolean;
}

/** The terms of a user's search; none when the input holds nothing searchable (it matches no message). */
export function searchTerms(input: string): SearchTerm[] {
  const text = [...input].slice(0, MAX_SEARCH_LENGTH).join('').replace(CONTROL, ' ');
  const terms: SearchTerm[] = [];
  for (const match of text.matchAll(TOKEN)) {
    if (terms.length >= MAX_SEARCH_TERMS) break;
    const quoted = match[1] !== undefined;
    const term = (quoted ? match[1]! : match[0]).trim();
    // Pure punctuation carries no meaning for a search (and gives FTS5 an empty phrase).
    if (!HAS_WORD_CHARACTER.test(term)) continue;
    terms.push({ text: term, prefix: !quoted && [...term].length >= PREFIX_MIN_LENGTH });
  }
  return terms;
}

/** The text of a message that search looks at: its bodies and subject, in every language. */
export function searchableText(stanza: Element): string {
  return [...stanza.getChildren('body'), ...stanza.getChildren('subject')]
    .map((child) => child.getText())
    .filter((text) => text.length > 0)
    .join('\n');
}

/**
 * The words of a text as search compares them: case-folded and without diacritics, split
 * at anything that is not a letter or digit, as FTS5's unicode61 tokenizer (remove_diacritics
 * 2) sees them. Backends that tokenize on their own terms (PostgreSQL) index these words
 * instead, so that a search finds the same messages on every backend.
 */
export function searchWords(text: string): string[] {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}
