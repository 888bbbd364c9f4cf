/**
 * HTML output for the landing page: escaping for text, attributes and inline JSON, and a
 * small allowlist sanitiser for the admin's `[landing].info` paragraph. Config values are
 * trusted to be well meant, not well formed: anything outside the allowlist is dropped,
 * so a pasted `<script>` or `onclick` cannot reach a guest's browser.
 */

/** HTML that is safe to insert as it is. Only this module and the page renderer make one. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` are written as
 * \u escapes so that no value can close the script element or open a comment.
 */
export function inlineJson(value: unknown): SafeHtml {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new SafeHtml(json);
}

/** Tags the info paragraph may use; `a` keeps only an http, https or mailto `href`. */
const ALLOWED_TAGS = new Set(['a', 'b', 'i', 'em', 'strong', 'br', 'p']);
const VOID_TAGS = new Set(['br']);
/** Elements whose content is code or markup, not text: dropped along with their tags. */
const DROPPED_WITH_CONTENT = new Set(['script', 'style', 'template', 'iframe', 'object', 'noscript', 'textarea', 'title', 'svg', 'math']);
const SAFE_URL_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const MAX_OPEN_TAGS = 32;

// A tag, with quoted attribute values allowed to contain '>'; comments and doctypes apart.
const TOKEN = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\?[^>]*>?|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const ENTITY = /&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/y;

/**
 * Keeps the allowlisted tags (re-written from scratch, without any other attribute),
 * escapes every other character of text, drops everything else, and closes what was left
 * open so the paragraph cannot swallow the rest of the page.
 */
export function sanitiseInfoHtml(input: string): SafeHtml {
  let out = '';
  const open: string[] = [];
  let dropping: string | null = null;
  let last = 0;
  for (const match of input.matchAll(TOKEN)) {
    if (dropping === null) out += escapeText(input.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[2]?.toLowerCase();
    if (name === undefined) continue; // comment, doctype or processing instruction
    const closing = match[1] === '/';
    if (dropping !== null) {
      if (closing && name === dropping) dropping = null;
      continue;
    }
    if (DROPPED_WITH_CONTENT.has(name)) {
      if (!closing) dropping = name;
      continue;
    }
    if (!ALLOWED_TAGS.has(name)) continue;
    if (VOID_TAGS.has(name)) {
      if (!closing) out += `<${name}>`;
      continue;
    }
    if (closing) {
      const at = open.lastIndexOf(name);
      if (at === -1) continue;
      // Close what was opened inside it too, so nesting stays well formed.
      while (open.length > at) out += `</${open.pop()}>`;
      continue;
    }
    if (open.length >= MAX_OPEN_TAGS) continue;
    if (name === 'p' && open.includes('p')) {
      // A <p> cannot contain a <p>: close the open one first, as a browser would.
      const at = open.lastIndexOf('p');
      while (open.length > at) out += `</${open.pop()}>`;
    }
    if (name === 'a') {
      const href = safeHref(match[3] ?? '');
      out += href === null ? '<a>' : `<a href="${escapeHtml(href)}" rel="noopener noreferrer nofollow">`;
    } else {
      out += `<${name}>`;
    }
    open.push(name);
  }
  if (dropping === null) out += escapeText(input.slice(last));
  while (open.length > 0) out += `</${open.pop()}>`;
  return new SafeHtml(out);
}

/** Escapes text, keeping well-formed character references the admin wrote (`&amp;`, `&#8212;`). */
function escapeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '&') {
      ENTITY.lastIndex = i;
      const entity = ENTITY.exec(text);
      if (entity) {
        out += entity[0];
        i += entity[0].length - 1;
        continue;
      }
    }
    out += ESCAPES[c] ?? c;
  }
  return out;
}

/** The href attribute among a tag's attributes, when it is an absolute http(s) or mailto URL. */
function safeHref(attributes: string): string | null {
  for (const attribute of attributes.matchAll(ATTRIBUTE)) {
    if (attribute[1]!.toLowerCase() !== 'href') continue;
    const raw = decodeBasicEntities(attribute[2] ?? attribute[3] ?? attribute[4] ?? '').trim();
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return null;
    }
    return SAFE_URL_PROTOCOLS.has(url.protocol) ? url.href : null;
  }
  return null;
}

function decodeBasicEntities(value: string): string {
  return value
    .replace(/&#(\d{1,7});/g, (_, n: string) => safeCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, n: string) => safeCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function safeCodePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\uFFFD';
}
