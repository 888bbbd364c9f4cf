import type { Request } from 'express';
import type { UploadRecord } from '../storage/uploads.js';
import { SLOT_ID } from './secrets.js';
import type { UploadService } from './service.js';

/**
 * The record a `/<id>/<name>` URL names, if the name is the slot's (decoded by express).
 * One URL per file: a different name is a different, unknown, URL.
 */
export function slotOf(service: UploadService, req: Request): UploadRecord | undefined {
  const id = req.params.id;
  const name = req.params.name;
  if (typeof id !== 'string' || typeof name !== 'string' || !SLOT_ID.test(id)) return undefined;
  const record = service.store.get(id);
  return record && record.fileName === name ? record : undefined;
}
