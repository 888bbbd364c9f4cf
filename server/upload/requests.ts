import type { Request, Response } from 'express';
import type { UploadRecord } from '../storage/uploads.js';
import { SLOT_ID } from './secrets.js';
import type { UploadService } from './service.js';

/**
 * The record a `/<id>/<name>` URL names, if the name is the slot's (decoded by express).
 * One URL per file: a different name is a different, unknown, URL. A record missing here or
 * not yet complete is read again from a shared store: another node may have just made or
 * completed it.
 */
export async function slotOf(service: UploadService, req: Request): Promise<UploadRecord | undefined> {
  const id = req.params.id;
  const name = req.params.name;
  if (typeof id !== 'string' || typeof name !== 'string' || !SLOT_ID.test(id)) return undefined;
  let record = service.store.get(id);
  if ((!record || record.completedAt === null) && service.store.fetch) record = await service.store.fetch(id);
  return record && record.fileName === name ? record : undefined;
}

/**
 * Ends an upload request with an error status and a short plain-text reason. `close` ends
 * the connection too, for a refused body whose length we do not accept: draining a huge or
 * endless body just to keep the connection alive is waste.
 */
export function refuse(res: Response, status: number, message: string, close = false): void {
  if (res.headersSent || res.writableEnded) return;
  if (close) res.setHeader('Connection', 'close');
  res.status(status).type('text/plain').send(`${message}\n`);
}
