import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAvatarImage, imageType } from '../../server/modules/site-avatar/fetch-image.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const LIMITS = { maxBytes: 1024, timeoutMs: 500 };

describe('fetching a site avatar', () => {
  let server: http.Server;
  let base = '';
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      switch (req.url) {
        case '/ok.png': res.writeHead(200, { 'content-type': 'image/png' }).end(PNG); break;
        case '/mislabelled': res.writeHead(200, { 'content-type': 'image/png' }).end('<html>not a picture</html>'); break;
        case '/big': res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.concat([PNG, Buffer.alloc(4096)])); break;
        case '/big-chunked':
          res.writeHead(200, { 'content-type': 'image/png' });
          res.write(PNG);
          res.end(Buffer.alloc(4096));
          break;
        case '/moved': res.writeHead(302, { location: '/ok.png' }).end(); break;
        case '/slow': timers.push(setTimeout(() => res.writeHead(200).end(PNG), 3000)); break;
        default: res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    timers.forEach(clearTimeout);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps a small picture, typed by its bytes', async () => {
    expect(await fetchAvatarImage(`${base}/ok.png`, LIMITS)).toEqual({ type: 'image/png', data: PNG });
  });

  it('refuses what is not a picture, too large, redirected, missing or too slow', async () => {
    for (const path of ['/mislabelled', '/big', '/big-chunked', '/moved', '/missing', '/slow']) {
      expect(await fetchAvatarImage(`${base}${path}`, LIMITS), path).toBeNull();
    }
  });

  it('knows the four formats by their first bytes', () => {
    expect(imageType(PNG)).toBe('image/png');
    expect(imageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(imageType(Buffer.from('GIF89a......'))).toBe('image/gif');
    expect(imageType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(imageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  });
});
