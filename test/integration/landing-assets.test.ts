/**
 * The page's assets over HTTP: brotli and gzip by Accept-Encoding, compressed once and kept
 * in data_dir, a year of caching under versioned URLs, revalidation under plain ones.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CONVERSE_DIST = path.dirname(createRequire(import.meta.url).resolve('converse.js/dist/converse.min.js'));
const CONVERSE_JS = fs.readFileSync(path.join(CONVERSE_DIST, 'converse.min.js'));

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET that leaves the body as sent (node's fetch would decompress it). */
function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The versioned asset prefix the page names, e.g. `assets/AbC123xyz_-9/`. */
async function assetsPath(base: string): Promise<string> {
  const page = await rawGet(`${base}/?channel=lobby&nick=ann`);
  expect(page.headers['cache-control']).toBe('no-store');
  const match = /src="(assets\/[\w-]{12}\/)landing\/landing\.js"/.exec(page.body.toString());
  expect(match, 'the page loads its script from a versioned path').not.toBeNull();
  return match![1]!;
}

/** Waits until the server has its brotli copy of a file ready (it is made in the background). */
async function untilBrotli(url: string): Promise<RawResponse> {
  for (let i = 0; i < 200; i++) {
    const response = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br' });
    if (response.headers['content-encoding'] === 'br') return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no brotli copy of ${url} after 20 s`);
}

describe('the page assets', { timeout: 60_000 }, () => {
  let server: TestServer;
  let base: string;
  let assets: string;

  beforeAll(async () => {
    server = await startTestServer({});
    base = server.httpUrl;
    assets = await assetsPath(base);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('sends Converse.js gzipped or as it is by Accept-Encoding, cached for a year under the versioned URL', async () => {
    const url = `${base}/${assets}converse/converse.min.js`;
    const gzipped = await rawGet(url, { 'accept-encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toBe('Accept-Encoding');
    expect(gzipped.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gzipped.headers['content-type']).toMatch(/^text\/javascript/);
    expect(gzipped.headers['content-security-policy']).toContain("default-src 'none'");
    expect(Number(gzipped.headers['content-length'])).toBe(gzipped.body.length);
    expect(gzipped.body.length).toBeLessThan(CONVERSE_JS.length / 3);
    expect(zlib.gunzipSync(gzipped.body).equals(CONVERSE_JS)).toBe(true);

    for (const header of [undefined, 'identity', 'gzip;q=0, br;q=0', 'compress']) {
      const plain = await rawGet(url, header === undefined ? {} : { 'accept-encoding': header });
      expect(plain.headers['content-encoding'], header).toBeUndefined();
      expect(plain.body.equals(CONVERSE_JS), header).toBe(true);
    }
  });

  it('sends brotli once it is made, and keeps both copies in data_dir for the next start', async () => {
    const url = `${base}/${assets}converse/converse.min.js`;
    const br = await untilBrotli(url);
    expect(zlib.brotliDecompressSync(br.body).equals(CONVERSE_JS)).toBe(true);
    const gzipped = await rawGet(url, { 'accept-encoding': 'br;q=0, gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(br.body.length).toBeLessThan(gzipped.body.length);

    // A wildcard accepts brotli too.
    expect((await rawGet(url, { 'accept-encoding': '*' })).headers['content-encoding']).toBe('br');

    const cached = fs.readdirSync(path.join(server.dataDir, 'cache', 'assets'));
    expect(cached.filter((name) => name.endsWith('.br')).length).toBeGreaterThanOrEqual(1);
    expect(cached.filter((name) => name.endsWith('.tmp'))).toEqual([]);

    // A second server on the same data_dir has brotli at its first request: nothing to redo.
    const again = await startTestServer({}, { dataDir: server.dataDir });
    try {
      const first = await rawGet(`${again.httpUrl}/${assets}converse/converse.min.js`, { 'accept-encoding': 'br' });
      expect(first.headers['content-encoding']).toBe('br');
      expect(first.body.equals(br.body)).toBe(true);
    } finally {
      await again.stop();
    }
  });

  it('answers a matching ETag with 304, per encoding', async () => {
    const url = `${base}/${assets}landing/landing.css`;
    const first = await rawGet(url, { 'accept-encoding': 'gzip' });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[\w-]+-gzip"$/);
    expect((await rawGet(url, { 'accept-encoding': 'gzip', 'if-none-match': etag })).status).toBe(304);
    // The same tag does not stand for the uncompressed bytes.
    expect((await rawGet(url, { 'if-none-match': etag })).status).toBe(200);
    const head = await rawGet(url, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
  });

  it('revalidates the unversioned URLs and refuses other versions and paths outside the folders', async () => {
    const plain = await rawGet(`${base}/converse/converse.min.css`, { 'accept-encoding': 'gzip' });
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('no-cache');
    expect(plain.headers['content-encoding']).toBe('gzip');

    // Small files are not worth compressing; pictures are compressed already.
    const icon = await rawGet(`${base}/${assets}converse/images/logo/conversejs-filled.svg`, { 'accept-encoding': 'gzip' });
    expect(icon.status).toBe(200);

    expect((await rawGet(`${base}/assets/AAAAAAAAAAAA/converse/converse.min.js`)).status).toBe(404);
    expect((await rawGet(`${base}/${assets}landing/index.html`)).status).toBe(404);
    expect((await rawGet(`${base}/${assets}converse/%2e%2e/package.json`)).status).toBe(404);
    expect((await rawGet(`${base}/${assets}landing/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await rawGet(`${base}/${assets}converse/.hidden`)).status).toBe(404);
    expect((await rawGet(`${base}/${assets}converse/chunkjs`)).status).toBe(404);
  });
});
