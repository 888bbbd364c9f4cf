/** Content types of uploads: what a slot may declare, how a PUT must match, what is shown inline. */

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const MAX_CONTENT_TYPE_LENGTH = 255;
const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]+";
const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`, 'i');

/**
 * A declared content type in canonical form (lower case, one space after ';'); '' when none
 * was declared; null when the value is not a media type.
 */
export function normaliseContentType(value: string | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return '';
  if (trimmed.length > MAX_CONTENT_TYPE_LENGTH || !MEDIA_TYPE.test(trimmed)) return null;
  return trimmed.replace(/\s*;\s*/g, '; ').toLowerCase();
}

/** A PUT must declare the slot's type; a slot that declared none accepts any. */
export function contentTypeMatches(slotType: string, declared: string | undefined): boolean {
  return slotType === '' || normaliseContentType(declared) === slotType;
}

/** The Content-Type a download is served with. */
export function servedContentType(slotType: string): string {
  return slotType === '' ? DEFAULT_CONTENT_TYPE : slotType;
}

/**
 * Types a browser may show in the page: images, audio, video and plain text. Anything that
 * can carry script (HTML, SVG, XML, PDF…) is always a download.
 */
export function isShownInline(contentType: string): boolean {
  const essence = contentType.split(';')[0]!.trim();
  if (essence === 'text/plain') return true;
  if (essence.endsWith('+xml') || essence.endsWith('/xml')) return false;
  return /^(image|audio|video)\/[^/]+$/.test(essence);
}
