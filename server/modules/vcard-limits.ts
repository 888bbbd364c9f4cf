/**
 * One size rule for vCards (XEP-0054), whoever writes them: a user setting their own, or the
 * server storing the picture a site gave its guest (site-avatar.ts). The cap is derived from
 * the largest avatar image, so that a picture the server accepts always fits in a vCard once
 * base64-encoded (4 bytes for every 3), with room left for the text fields.
 */

/** The largest avatar image, in bytes (documented in docs/operations.md, claim `img`). */
export const MAX_AVATAR_IMAGE_BYTES = 64 * 1024;

/** Room for everything in a vCard but the photo's data: names, nickname, addresses, markup. */
const VCARD_TEXT_BYTES = 8 * 1024;

/** Length of the base64 text of n bytes (padded, no line breaks). */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** The largest serialised vCard stored: a full-size avatar plus the text fields (95,576 bytes). */
export const MAX_VCARD_BYTES = base64Length(MAX_AVATAR_IMAGE_BYTES) + VCARD_TEXT_BYTES;

/** Whether a serialised vCard is within the cap. */
export function vcardFits(serialised: string): boolean {
  return Buffer.byteLength(serialised) <= MAX_VCARD_BYTES;
}
