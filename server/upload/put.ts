import type { Request, RequestHandler, Response } from 'express';
import type { UploadRecord } from '../storage/uploads.js';
import { ReceiveError, type FileStore } from '../storage/files.js';
import { refuse, slotOf } from './requests.js';
import { contentTypeMatches } from './media-types.js';
import { secretMatches } from './secrets.js';
import type { UploadService } from './service.js';

const BEARER = /^Bearer +([A-Za-z0-9_-]+) *$/;

/**
 * PUT of a slot's file: the slot's secret (URL `token` or `Authorization: Bearer`), exactly
 * the slot's Content-Length and content type, once. The body goes to the file store, where it
 * appears only once complete; any failure leaves no file and the slot usable until its
 * deadline. The 201 waits until the record says so on every node (a shared store's commit).
 */
export function putHandler(service: UploadService, files: FileStore = service.files): RequestHandler {
  return async (req, res) => {
    const now = service.ctx.now();
    const record = await slotOf(service, req);
    if (!record || (record.completedAt === null && record.expiresAt <= now)) {
      refuse(res, 404, 'No such upload slot (slots are valid for 5 minutes)');
      return;
    }
    const authorisation = authorise(req, record);
    if (authorisation !== 'ok') {
      if (authorisation === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      refuse(res, authorisation, authorisation === 401 ? 'The slot secret is missing' : 'Wrong slot secret');
      return;
    }
    if (record.completedAt !== null) {
      refuse(res, 409, 'This slot has been used');
      return;
    }
    if (service.receiving.has(record.id)) {
      refuse(res, 409, 'This slot is being uploaded');
      return;
    }
    const length = req.headers['content-length'];
    if (length === undefined) {
      refuse(res, 411, 'Content-Length is required', true);
      return;
    }
    if (!/^\d+$/.test(length) || Number(length) !== record.size) {
      refuse(res, 400, `Content-Length must be the slot's size, ${record.size}`, true);
      return;
    }
    if (!contentTypeMatches(record.contentType, req.headers['content-type'])) {
      refuse(res, 400, `Content-Type must be the slot's, ${record.contentType}`);
      return;
    }

    service.receiving.add(record.id);
    let stored: boolean;
    try {
      await files.receive(record.id, req, record.size);
      const completedAt = service.ctx.now();
      stored = service.store.complete(record.id, completedAt, completedAt + service.ctx.config.upload.expires_after);
      if (stored) await service.store.committed?.();
    } catch (error) {
      failed(service, res, error);
      return;
    } finally {
      service.receiving.delete(record.id);
    }
    if (!stored) {
      await files.remove(record.id);
      refuse(res, 404, 'No such upload slot');
      return;
    }
    service.ctx.log.debug({ upload: record.id, size: record.size }, 'upload stored');
    service.ctx.events.emit('upload-stored', record.size);
    res.status(201).end();
  };
}

/** 'ok' when every secret presented is the slot's and at least one was presented. */
function authorise(req: Request, record: UploadRecord): 'ok' | 401 | 403 {
  const presented: string[] = [];
  const token = req.query.token;
  if (token !== undefined) {
    if (typeof token !== 'string') return 403;
    presented.push(token);
  }
  const header = req.headers.authorization;
  if (header !== undefined) {
    const bearer = BEARER.exec(header);
    if (!bearer) return 403;
    presented.push(bearer[1]!);
  }
  if (presented.length === 0) return 401;
  return presented.every((secret) => secretMatches(secret, record.secretHash)) ? 'ok' : 403;
}

function failed(service: UploadService, res: Response, error: unknown): void {
  if (error instanceof ReceiveError && error.kind !== 'disk') {
    // The client went away or sent a body of the wrong size: nobody may be listening any more.
    refuse(res, 400, 'The body did not match the slot');
    return;
  }
  const cause = error instanceof ReceiveError ? error.cause : error;
  service.ctx.log.error({ err: cause }, 'could not store an upload');
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  // A full disk: ENOSPC and EDQUOT from the file system, 53100 (disk_full) from PostgreSQL.
  const full = code === 'ENOSPC' || code === 'EDQUOT' || code === '53100';
  refuse(res, full ? 507 : 500, 'The server could not store the file');
}
