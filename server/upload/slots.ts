import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { normaliseContentType } from './media-types.js';
import { sanitiseFileName } from './names.js';
import { hashSecret, newSecret, newSlotId } from './secrets.js';
import type { UploadService } from './service.js';

/** A slot accepts its PUT for this long (XEP-0363 leaves it to the service). */
export const SLOT_LIFETIME_MS = 5 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** Sizes are bytes; no real file has more than 15 digits of them. */
const SIZE = /^\d{1,15}$/;

/** Who asks for a slot: a client of this server. */
export interface Uploader {
  /**
   * What quotas count: an account's bare JID, or for a guest UploadService.guestQuotaKey
   * (their network's keyed hash: a guest's JID is new at every sign-in).
   */
  quotaKey: string;
  isGuest: boolean;
}

/**
 * Answers `<request filename size content-type/>` with a slot, or throws the XEP-0363 error:
 * not-acceptable + file-too-large, resource-constraint for quotas, bad-request for a
 * malformed request.
 */
export function requestSlot(service: UploadService, uploader: Uploader, request: Element): Element {
  const { config } = service.ctx;
  const rawName = request.attrs.filename;
  if (typeof rawName !== 'string' || rawName === '') throw new StanzaError('modify', 'bad-request', 'a filename is required');
  const rawSize = request.attrs.size;
  if (typeof rawSize !== 'string' || !SIZE.test(rawSize)) throw new StanzaError('modify', 'bad-request', 'size must be a number of bytes');
  const size = Number(rawSize);
  const contentType = normaliseContentType(request.attrs['content-type']);
  if (contentType === null) throw new StanzaError('modify', 'bad-request', 'content-type is not a media type');
  if (size > config.upload.max_size) throw fileTooLarge(config.upload.max_size);

  const now = service.ctx.now();
  checkQuota(service, uploader, size, now);

  const id = newSlotId();
  const secret = newSecret();
  const fileName = sanitiseFileName(rawName);
  service.store.add({
    id,
    secretHash: hashSecret(secret),
    uploader: uploader.quotaKey,
    fileName,
    size,
    contentType,
    createdAt: now,
    expiresAt: now + SLOT_LIFETIME_MS,
    completedAt: null,
  });
  const getUrl = service.getUrl(id, fileName);
  // The secret is offered both ways: in the header (Converse.js, Gajim) and in the PUT URL
  // (clients that do not send the slot's headers). The GET URL never carries it.
  return xml('slot', { xmlns: NS.upload },
    xml('put', { url: `${getUrl}?token=${secret}` },
      xml('header', { name: 'Authorization' }, `Bearer ${secret}`)),
    xml('get', { url: getUrl }));
}

function fileTooLarge(maxSize: number): StanzaError {
  return new StanzaError('modify', 'not-acceptable', `File too large. The maximum file size is ${maxSize} bytes`,
    xml('file-too-large', { xmlns: NS.upload }, xml('max-file-size', {}, String(maxSize))));
}

/**
 * Guests from one network (IPv4 address or IPv6 /64) may hold quota_per_guest of live
 * uploads together, however often they sign in; accounts may upload quota_per_account_per_day in any 24 hours; and all live uploads
 * together (slots handed out count, as their bytes may arrive any moment) stay within
 * disk_quota. Slot requests are handled synchronously, so check and insert cannot interleave.
 */
function checkQuota(service: UploadService, uploader: Uploader, size: number, now: number): void {
  const { store, ctx: { config } } = service;
  if (uploader.isGuest) {
    if (store.bytesBy(uploader.quotaKey, 0, now) + size > config.upload.quota_per_guest) {
      throw new StanzaError('wait', 'resource-constraint', 'Quota reached: guests from one network may keep '
        + `${config.upload.quota_per_guest} bytes of uploads at a time`);
    }
  } else {
    // A slot counts for 24 hours: at created_at + DAY_MS it no longer does.
    const since = now - DAY_MS + 1;
    if (store.bytesBy(uploader.quotaKey, since, now) + size > config.upload.quota_per_account_per_day) {
      const oldest = store.oldestBy(uploader.quotaKey, since, now);
      throw new StanzaError('wait', 'resource-constraint', 'Quota reached: accounts may upload '
        + `${config.upload.quota_per_account_per_day} bytes per day`,
        oldest === undefined ? undefined : xml('retry', { xmlns: NS.upload, stamp: stamp(oldest + DAY_MS) }));
    }
  }
  if (store.bytesStored(now) + size > config.upload.disk_quota) {
    throw new StanzaError('wait', 'resource-constraint', 'The upload space of this server is full; try again later');
  }
}

/** XEP-0082 date-time, rounded up to the second (retrying earlier would fail). */
function stamp(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
