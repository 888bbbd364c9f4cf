import type { Request, RequestHandler, Response } from 'express';
import type { StoredFile } from '../storage/files.js';
import { isShownInline, servedContentType } from './media-types.js';
import { contentDisposition } from './names.js';
import { refuse, slotOf } from './requests.js';
import type { UploadService } from './service.js';

/**
 * GET and HEAD of an uploaded file from whichever file store holds it, with conditional
 * requests (ETag, Last-Modified) and one byte range (RFC 9110 §14; several ranges get the
 * whole file, which §14.2 allows). Expiry is checked here on every request, not left to the
 * sweeper. A slot's file never changes, so its id is a strong ETag.
 */
export function downloadHandler(service: UploadService): RequestHandler {
  return async (req, res) => {
    const now = service.ctx.now();
    const record = await slotOf(service, req);
    const file = record && record.completedAt !== null && record.expiresAt > now ? await service.files.open(record.id) : undefined;
    if (!record || !file) {
      notFound(res);
      return;
    }
    const type = servedContentType(record.contentType);
    const etag = `"${record.id}"`;
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Disposition', contentDisposition(isShownInline(type) ? 'inline' : 'attachment', record.fileName));
    // Caches (the browser's, a proxy's) must not keep the file beyond its expiry.
    res.setHeader('Cache-Control', `public, max-age=${Math.max(0, Math.floor((record.expiresAt - now) / 1000))}`);
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', new Date(file.modifiedAt).toUTCString());
    res.setHeader('Accept-Ranges', 'bytes');
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    const range = rangeOf(req, file, etag);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${file.size}`);
      refuse(res, 416, 'Range not satisfiable');
      return;
    }
    const [start, end] = range ?? [0, file.size - 1];
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
    }
    res.setHeader('Content-Length', String(end - start + 1));
    if (req.method === 'HEAD' || end < start) {
      res.end();
      return;
    }
    send(res, file, start, end, service);
  };
}

/** The one range asked for, null for the whole file. */
function rangeOf(req: Request, file: StoredFile, etag: string): [number, number] | null | 'unsatisfiable' {
  if (req.headers.range === undefined || file.size === 0 || !rangeStillApplies(req, file, etag)) return null;
  const ranges = req.range(file.size, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges === undefined || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return [ranges[0]!.start, ranges[0]!.end];
}

/** If-Range: the range is for this version of the file only (an ETag, or a date of a strong validator). */
function rangeStillApplies(req: Request, file: StoredFile, etag: string): boolean {
  const condition = req.get('if-range');
  if (condition === undefined) return true;
  if (condition.startsWith('"') || condition.startsWith('W/')) return condition === etag;
  const date = Date.parse(condition);
  return !Number.isNaN(date) && Math.floor(file.modifiedAt / 1000) <= Math.floor(date / 1000);
}

function send(res: Response, file: StoredFile, start: number, end: number, service: UploadService): void {
  const stream = file.read(start, end);
  stream.on('error', (error) => {
    // A file deleted meanwhile, or a database gone: a 404 if nothing was sent yet, else a cut.
    service.ctx.log.warn({ err: error }, 'an upload could not be read');
    if (res.headersSent) res.destroy();
    else notFound(res);
  });
  // A client that hung up mid-download stops the reading.
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

export function notFound(res: Response): void {
  for (const header of ['Content-Disposition', 'Cache-Control', 'Content-Type', 'ETag', 'Last-Modified', 'Accept-Ranges', 'Content-Length']) res.removeHeader(header);
  refuse(res, 404, 'Not found (uploads expire)');
}
