/**
 * What a user typed into a search box, made into an FTS5 query that can only ever mean
 * "messages containing all of these words": FTS5 syntax (OR, NOT, NEAR(), column filters,
 * `*`, `^`, parentheses) in the input is searched for as text, never interpreted.
 */
import type { Element } from '../../xml/element.js';

/** Longer input is cut (in characters): a search box, not a document. */
export const MAX_SEARCH_LENGTH = 200;
/** Each term is one more index lookup; beyond this the rest is ignored. */
export const MAX_SEARCH_TERMS = 10;
/** Bare words this long or longer also match longer words ("deploy" finds "deployment"). */
const PREFIX_MIN_LENGTH = 3;

// A "quoted run" is searched as a phrase; anything else splits on whitespace.
const TOKEN = /"([^"]*)"?|[^\s"]+/gu;
const HAS_WORD_CHARACTER = /[\p{L}\p{N}]/u;
const CONTROL = /\p{Cc}/gu;

/**
 * The FTS5 MATCH expression for a user's search, or null when the input holds nothing
 * searchable (only punctuation or spaces), which matches no message.
 */
export function toFtsQuery(input: string): string | null {
  const text = [...input].slice(0, MAX_SEARCH_LENGTH).join('').replace(CONTROL, ' ');
  const terms: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    if (terms.length >= MAX_SEARCH_TERMS) break;
    const quoted = match[1] !== undefined;
    const term = (quoted ? match[1]! : match[0]).trim();
    // Pure punctuation gives FTS5 an empty phrase; it carries no meaning for a search either.
    if (!HAS_WORD_CHARACTER.test(term)) continue;
    // Inside an FTS5 string only '"' is special, and doubling it escapes it.
    const phrase = `"${term.replaceAll('"', '""')}"`;
    terms.push(!quoted && [...term].length >= PREFIX_MIN_LENGTH ? `${phrase}*` : phrase);
  }
  return terms.length > 0 ? terms.join(' ') : null;
}

/** The text of a message that search looks at: its bodies and subject, in every language. */
export function searchableText(stanza: Element): string {
  return [...stanza.getChildren('body'), ...stanza.getChildren('subject')]
    .map((child) => child.getText())
    .filter((text) => text.length > 0)
    .join('\n');
}
