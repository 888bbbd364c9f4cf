/**
 * Serves one folder of page assets from PrecompressedFiles: brotli or gzip by the request's
 * Accept-Encoding (with `Vary`), an ETag per encoding, and either a year of `immutable`
 * caching (under a versioned URL, which changes when any file does) or revalidation on every
 * use (the unversioned URLs). Dotfiles, and anything outside the folder, are not served.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { chooseEncoding, type PrecompressedFiles } from './precompressed.js';

export type Caching = 'immutable' | 'revalidate';

const CACHE_CONTROL: Record<Caching, string> = {
  immutable: 'public, max-age=31536000, immutable',
  revalidate: 'no-cache',
};

export function staticAssets(root: string, files: PrecompressedFiles, caching: Caching): RequestHandler {
  const base = path.resolve(root);
  return async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const file = fileInside(base, req.path);
    if (file === null || !(await isFile(file))) return next();
    const entry = await files.get(file);
    const encoding = chooseEncoding(req.headers['accept-encoding'], entry);
    const body = encoding === 'identity' ? entry.identity : entry[encoding]!;
    const etag = `"${entry.hash}-${encoding}"`;

    res.type(path.extname(file));
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', CACHE_CONTROL[caching]);
    res.setHeader('ETag', etag);
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    if (ifNoneMatch(req.headers['if-none-match'], etag)) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Length', String(body.length));
    if (req.method === 'HEAD') res.end();
    else res.end(body);
  };
}

/** The absolute path a URL path names inside the folder, or null for anything else. */
function fileInside(base: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.length > 1024) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.length === 0 || segments.some((s) => s.startsWith('.') || s.includes('\\'))) return null;
  const file = path.resolve(base, ...segments);
  return file.startsWith(base + path.sep) ? file : null;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined || header.length > 4096) return false;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*');
}
