import type { RequestHandler, Response } from 'express';
import { slotOf } from './lookup.js';
import { isShownInline, servedContentType } from './media-types.js';
import { contentDisposition } from './names.js';
import { refuse } from './replies.js';
import type { UploadService } from './service.js';

/**
 * GET and HEAD of an uploaded file, with Range and conditional requests (express's
 * sendFile). Expiry is checked here on every request, not left to the sweeper.
 */
export function getHandler(service: UploadService): RequestHandler {
  return (req, res) => {
    const now = service.ctx.now();
    const record = slotOf(service, req);
    if (!record || record.completedAt === null || record.expiresAt <= now) {
      notFound(res);
      return;
    }
    const type = servedContentType(record.contentType);
    res.setHeader('Content-Type', type);
    res.setHeader('Content-Disposition', contentDisposition(isShownInline(type) ? 'inline' : 'attachment', record.fileName));
    // Caches (the browser's, a proxy's) must not keep the file beyond its expiry.
    res.setHeader('Cache-Control', `public, max-age=${Math.max(0, Math.floor((record.expiresAt - now) / 1000))}`);
    res.sendFile(record.id, {
      root: service.files.root,
      cacheControl: false,
      dotfiles: 'deny',
      etag: true,
      lastModified: true,
      acceptRanges: true,
    }, (error) => {
      // A client that hung up mid-download is no error; a file gone from disk is a 404.
      if (error && !res.headersSent) notFound(res);
    });
  };
}

function notFound(res: Response): void {
  for (const header of ['Content-Disposition', 'Cache-Control', 'Content-Type']) res.removeHeader(header);
  refuse(res, 404, 'Not found (uploads expire)');
}
