import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import type { Config } from '../config/types.js';
import type { ServerContext } from '../core/context.js';
import { OriginPolicy } from '../access/origins.js';
import { UploadFiles, type OpenWrite } from './files.js';
import { downloadHandler } from './download.js';
import { putHandler } from './put.js';
import { refuse } from './requests.js';
import { UPLOAD, type UploadService } from './service.js';

export interface UploadRoutesOptions {
  /** Replaces how temporary files are opened (tests simulate a failing disk): PUTs go to data_dir/uploads then. */
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
    const files = options.openWrite ? new UploadFiles(ctx.config.server.data_dir, options.openWrite) : service.files;
    router.put('/:id/:name', putHandler(service, files));
    // express answers HEAD with the GET route (the handler leaves the body out).
    router.get('/:id/:name', downloadHandler(service));
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
