import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { ServerContext } from '../core/context.js';
import { uploadCors } from './cors.js';
import type { OpenWrite } from './files.js';
import { getHandler } from './get.js';
import { putHandler } from './put.js';
import { refuse } from './replies.js';
import { UPLOAD } from './service.js';

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
