import { searchTerms } from '../search.js';

/**
 * The FTS5 MATCH expression for a user's search (storage/search.ts), or null when it holds
 * nothing searchable. Inside an FTS5 string only '"' is special, and doubling it escapes it,
 * so every term is searched for as text.
 */
export function toFtsQuery(input: string): string | null {
  const terms = searchTerms(input).map(({ text, prefix }) => `"${text.replaceAll('"', '""')}"${prefix ? '*' : ''}`);
  return terms.length > 0 ? terms.join(' ') : null;
}
