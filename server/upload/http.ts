import express, { type ErrorRequestHandler, type RequestHandler, type Response, type Router } from 'express';
import type { Config } from '../config/types.js';
import type { ServerContext } from '../core/context.js';
import { OriginPolicy } from '../access/origins.js';
import type { OpenWrite } from './files.js';
import { isShownInline, servedContentType } from './media-types.js';
import { contentDisposition } from './names.js';
import { putHandler } from './put.js';
import { refuse, slotOf } from './requests.js';
import { UPLOAD, type UploadService } from './service.js';

export interface UploadRoutesOptions {
  /** Replaces how temporary files are opened (tests simulate a failing disk). */
  openWrite?: OpenWrite;
}

/**
 * The upload URLs, to be mounted at `/upload`: `PUT|GET|HEAD /<slot id>/<file name>`.
 * The HTTP listener applies the network allowlist before these routes.
 */
export function uploadRoutes(ctx: ServerContext, options: UploadRoutesOptions = {}): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  router.use(safeHeaders);
  router.use(uploadCors(ctx.config));
  if (ctx.config.upload.enabled) {
    const service = ctx.services.get(UPLOAD);
    router.put('/:id/:name', putHandler(service, options.openWrite));
    // express answers HEAD with the GET route, without a body.
    router.get('/:id/:name', getHandler(service));
    router.all('/:id/:name', (_req, res) => {
      res.setHeader('Allow', 'PUT, GET, HEAD, OPTIONS');
      refuse(res, 405, 'Method not allowed');
    });
  }
  router.use((_req, res) => refuse(res, 404, 'Not found'));
  router.use(errors(ctx));
  return router;
}

/**
 * On every response under /upload, errors included: an uploaded file is never run as a page
 * of our origin (no scripts, no plugins, its own origin) and its type is never guessed.
 */
const safeHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

/** Errors from express itself (a malformed %-escape in the URL is a 400) or a handler. */
function errors(ctx: ServerContext): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      refuse(res, status, 'Bad request');
      return;
    }
    ctx.log.error({ err: error }, 'upload request failed');
    if (res.headersSent) res.destroy();
    else refuse(res, 500, 'Internal server error');
  };
}

const PREFLIGHT_MAX_AGE_S = 86_400;

/**
 * CORS for upload URLs. Browsers (Converse.js) PUT with `Authorization` and `Content-Type`
 * headers, which needs a preflight that allows both; the transports' CORS allows neither
 * PUT nor Authorization. Origins are the transports' ([http].cors_origins, by default the
 * origin of [listen].public_url). Another origin gets no CORS headers, so its page cannot
 * read or write uploads, while a plain link or <img> (no Origin header) works from anywhere.
 */
function uploadCors(config: Config): RequestHandler {
  const origins = new OriginPolicy(config);
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin !== undefined && origins.allows(origin, req.headers.host)) {
      res.setHeader('Access-Control-Allow-Origin', origins.anyOrigin ? '*' : origin);
    }
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'PUT, GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
    res.status(204).end();
  };
}

/**
 * GET and HEAD of an uploaded file, with Range and conditional requests (express's
 * sendFile). Expiry is checked here on every request, not left to the sweeper.
 */
function getHandler(service: UploadService): RequestHandler {
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
