/**
 * File names chosen by uploaders end up in URLs and in Content-Disposition headers (never on
 * disk: files are stored under their slot id). They are cut to one harmless segment here.
 */

/** Long enough for real names, short enough for URLs and headers. Counted in UTF-8 bytes. */
export const MAX_NAME_BYTES = 200;
const MAX_EXTENSION_CHARS = 16;
const FALLBACK_NAME = 'file';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Control characters, line/paragraph separators and invisible format characters (bidi
// overrides can make "gpj.exe" display as "exe.jpg"); ZWJ/ZWNJ stay, emoji and scripts need them.
const INVISIBLE = /[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/gu;

export function sanitiseFileName(raw: string): string {
  // A name is never a path: keep the last non-empty segment whatever the separator.
  const segments = raw.replace(LONE_SURROGATE, '').split(/[/\\]/).filter((segment) => segment !== '');
  // Blanks of any kind (tabs, line breaks) become one space; other invisibles go.
  let name = (segments.at(-1) ?? '').normalize('NFC').replace(/\s+/gu, ' ').replace(INVISIBLE, '');
  // Leading dots make hidden files and "..", trailing dots and spaces are dropped by Windows.
  name = name.replace(/^[.\s]+/u, '').replace(/[.\s]+$/u, '');
  name = truncate(name);
  return name === '' ? FALLBACK_NAME : name;
}

/** Cuts the name to MAX_NAME_BYTES, keeping a short extension so the type stays visible. */
function truncate(name: string): string {
  if (utf8Length(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS + 1 ? name.slice(dot) : '';
  const budget = MAX_NAME_BYTES - utf8Length(extension);
  let base = '';
  let used = 0;
  for (const character of name.slice(0, name.length - extension.length)) {
    const size = utf8Length(character);
    if (used + size > budget) break;
    base += character;
    used += size;
  }
  return base.trimEnd() + extension;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The name as one URL path segment. */
export function encodeNameForUrl(name: string): string {
  return encodeURIComponent(name);
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the exact name as RFC 8187 filename*. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
