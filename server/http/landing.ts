/**
 * The landing page's routes, mounted at `/` of the HTTP listener:
 *   GET /                 the page (form, or Converse.js for ?channel=…&nick=…)
 *   GET /assets/VERSION/landing/*, /assets/VERSION/converse/*
 *                         the page's files (its script bundled: landing-bundle.ts) and
 *                         Converse.js's prebuilt dist/ from node_modules (no CDN),
 *                         precompressed, cached for a year: VERSION changes with them
 *   GET /landing/*, /converse/*   the same files unversioned, revalidated on every use
 *   GET /api/rooms/:room/nick-available?nick=…   whether a nickname is free in a room
 *   GET /api/room-address?name=…   the room a typed name stands for (room-address.ts)
 * Every response carries a Content-Security-Policy that allows only this origin (plus the
 * XMPP endpoints of public_url), so the page cannot be made to load anything from elsewhere.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Router } from 'express';
import type { Config } from '../config/types.js';
import type { ServerContext } from '../core/context.js';
import { publicUrls, renderLandingPage, type LandingQuery } from './landing-page.js';
import { nickAvailableHandler, type NickCheckCounter } from './nick-available.js';
import { buildLandingBundle, landingModules } from './landing-bundle.js';
import { PrecompressedFiles } from './precompressed.js';
import { roomAddress } from './room-address.js';
import { staticAssets } from './static-assets.js';

export function landingRoutes(ctx: ServerContext, access: NickCheckCounter): Router {
  const assets = landingDir();
  const converse = converseDistDir();
  const template = fs.readFileSync(path.join(assets, 'index.html'), 'utf8');
  const version = assetVersion(assets, converse);
  const assetsPath = `assets/${version}/`;
  const cacheRoot = path.join(ctx.config.server.data_dir, 'cache');
  const files = new PrecompressedFiles(path.join(cacheRoot, 'assets'), ctx.log);
  const bundle = buildLandingBundle(assets, cacheRoot, version, ctx.log);
  const modulesToPreload = bundle === null ? landingModules(assets) : [];
  const securityHeaders = pageHeaders(ctx.config);
  const router = express.Router({ caseSensitive: true, strict: true });

  router.get('/', securityHeaders, (req, res) => {
    const html = renderLandingPage(template, ctx.config, landingQuery(req.query), assetsPath, modulesToPreload);
    // The page names this version's assets: a browser must not keep it past an upgrade.
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  });

  // The versioned URLs the page uses; the plain ones stay for links made before them.
  for (const [prefix, caching] of [[`/${assetsPath}`, 'immutable'], ['/', 'revalidate']] as const) {
    const bundled = bundle === null ? [] : [staticAssets(bundle, files, caching)];
    router.use(`${prefix}landing`, securityHeaders, refuseTemplate, ...bundled, staticAssets(assets, files, caching), notFound);
    router.use(`${prefix}converse`, securityHeaders, staticAssets(converse, files, caching), notFound);
  }

  router.get('/api/rooms/:room/nick-available', securityHeaders, nickAvailableHandler(ctx, access));
  router.get('/api/room-address', securityHeaders, (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const name = typeof req.query.name === 'string' ? req.query.name.slice(0, 1024) : '';
    const address = roomAddress(ctx.config, name);
    res.status('room' in address ? 200 : 400).json(address);
  });

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

/**
 * A short hash of the page's own files and of Converse's version: the assets' URLs change
 * whenever either does, so a year of caching never serves a browser stale files.
 */
function assetVersion(landing: string, converseDist: string): string {
  const hash = crypto.createHash('sha256');
  // Subfolders too (landing/calls/).
  for (const name of fs.readdirSync(landing, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(landing, name);
    if (!fs.statSync(file).isFile()) continue;
    hash.update(name).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  hash.update(fs.readFileSync(path.join(converseDist, '..', 'package.json')));
  return hash.digest('base64url').slice(0, 12);
}
