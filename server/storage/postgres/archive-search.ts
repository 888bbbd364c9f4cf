/**
 * Full-text search of the room archive in PostgreSQL, meaning what storage/search.ts says.
 *
 * The words are found here, in JavaScript, with the same rule as every other backend
 * (searchWords: case-folded, diacritics removed, split at anything not a letter or digit),
 * and PostgreSQL only indexes them. It does so under the 'simple' configuration: no stemming
 * and no stop words, so every language behaves the same (a language configuration would
 * stem "deployment" to "deploy" in English and do nothing for French, and drop "the" or
 * "it" as stop words, which FTS5 and the memory store find). Its parser sees words that are
 * already split and lower-cased, so it keeps each as one lexeme at its position, which is
 * what phrases need.
 */
import { searchTerms, searchWords } from '../search.js';

/** The text to give to_tsvector('simple', …) for a message's searchable text. */
export function indexedText(searchable: string): string {
  return searchWords(searchable).join(' ');
}

/**
 * The to_tsquery('simple', …) expression for a user's search, or null when it holds nothing
 * searchable. Every term must match (&); a term's words follow each other (<->); the last word
 * of a bare term may start a longer word (:*). Only letters and digits reach the expression,
 * so tsquery operators in the input are never interpreted.
 */
export function toTsQuery(input: string): string | null {
  const terms: string[] = [];
  for (const term of searchTerms(input)) {
    const words = searchWords(term.text);
    // A term with no word in it matches no message (as in the memory store).
    if (words.length === 0) return null;
    const last = words.length - 1;
    terms.push(words.map((word, i) => `'${word}'${i === last && term.prefix ? ':*' : ''}`).join(' <-> '));
  }
  return terms.length > 0 ? terms.map((term) => `(${term})`).join(' & ') : null;
}
