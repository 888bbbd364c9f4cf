/**
 * The landing page's routes, mounted at `/` of the HTTP listener:
 *   GET /                 the page (form, or Converse.js for ?channel=…&nick=…)
 *   GET /landing/*        its script, stylesheet and icon
 *   GET /converse/*       Converse.js's prebuilt dist/ from node_modules (no CDN)
 *   GET /api/rooms/:room/nick-available?nick=…   whether a nickname is free in a room
 * Every response carries a Content-Security-Policy that allows only this origin (plus the
 * XMPP endpoints of public_url), so the page cannot be made to load anything from elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Router } from 'express';
import type { Config } from '../config/types.js';
import type { ServerContext } from '../core/context.js';
import { publicUrls, renderLandingPage, type LandingQuery } from './landing-page.js';
import { nickAvailableHandler } from './nick-available.js';

/**
 * Static files are revalidated on every use (cheap: a 304 by ETag) rather than cached blind,
 * so that after an upgrade of Palaver or Converse.js no browser mixes old files with new.
 */
const STATIC_OPTIONS = { index: false, dotfiles: 'deny', redirect: false, maxAge: 0 } as const;

export function landingRoutes(ctx: ServerContext): Router {
  const assets = landingDir();
  const template = fs.readFileSync(path.join(assets, 'index.html'), 'utf8');
  const securityHeaders = pageHeaders(ctx.config);
  const router = express.Router({ caseSensitive: true, strict: true });

  router.get('/', securityHeaders, (req, res) => {
    const html = renderLandingPage(template, ctx.config, landingQuery(req.query));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  });

  router.use('/landing', securityHeaders, refuseTemplate, express.static(assets, STATIC_OPTIONS), notFound);
  router.use('/converse', securityHeaders, express.static(converseDistDir(), STATIC_OPTIONS), notFound);

  router.get('/api/rooms/:room/nick-available', securityHeaders, nickAvailableHandler(ctx));

  return router;
}

/** The first value of each query parameter the page reads; arrays and objects are ignored. */
function landingQuery(query: Record<string, unknown>): LandingQuery {
  const first = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
    return undefined;
  };
  return {
    channel: first(query.channel),
    nick: first(query.nick),
    transport: first(query.transport),
    taken: first(query.taken),
    jwt: first(query.jwt),
  };
}

/**
 * The policy: scripts, styles, fonts, images and connections from this origin only, plus
 * public_url's origin (where the WebSocket, BOSH and upload URLs point, normally the same).
 * data: and blob: images are avatars, the unread-count favicon and upload previews.
 */
function contentSecurityPolicy(config: Config): string {
  const urls = publicUrls(config);
  const publicOrigin = new URL(urls.publicUrl).origin;
  const websocketOrigin = new URL(urls.websocketUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Converse.js (lit) sets style attributes and <style> elements in its templates. Styles
    // cannot run code; scripts stay strictly 'self'.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${publicOrigin}`,
    `media-src 'self' blob: ${publicOrigin}`,
    "font-src 'self'",
    `connect-src 'self' ${publicOrigin} ${websocketOrigin}`,
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors(config)}`,
  ].join('; ');
}

/** [auth.jwt].frame_ancestors: the sites that may show the chat in a frame; none by default. */
function frameAncestors(config: Config): string {
  const origins = config.auth.jwt.frame_ancestors;
  return origins.length === 0 ? "'none'" : origins.join(' ');
}

function pageHeaders(config: Config): RequestHandler {
  const policy = contentSecurityPolicy(config);
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', policy);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // X-Frame-Options cannot name sites (ALLOW-FROM is gone from browsers); where sites may
    // frame the page, CSP frame-ancestors alone decides, as every current browser honours it.
    if (config.auth.jwt.frame_ancestors.length === 0) res.setHeader('X-Frame-Options', 'DENY');
    next();
  };
}

/** landing/index.html is the page's template, only ever served rendered, at `/`. */
const refuseTemplate: RequestHandler = (req, res, next) => {
  if (req.path === '/index.html') notFound(req, res, next);
  else next();
};

const notFound: RequestHandler = (_req, res) => {
  res.status(404).type('text/plain').send('Not found');
};

/** landing/ at the package root, found from server/http (tsx) or dist/server/http (built). */
function landingDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'landing');
    if (fs.existsSync(path.join(candidate, 'index.html')) && fs.existsSync(path.join(dir, 'package.json'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('landing/index.html not found next to the package');
}

function converseDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('converse.js/dist/converse.min.js'));
}
