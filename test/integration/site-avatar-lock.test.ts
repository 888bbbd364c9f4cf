/**
 * The picture a site gives its signed-in guest (the token's `img`) is the site's: with
 * @xmpp/client signing in by token (OAUTHBEARER over WebSocket), the guest's own vCard set
 * and XEP-0084 avatar publish are refused with not-allowed and the served vCard keeps the
 * site's picture; a plain guest still sets their own vCard. And the size rules agree: a
 * picture at the 64 KiB image cap is served, one byte more is not, and a user may store a
 * vCard carrying a full-size picture but not a larger one.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { client as xmppClient } from '@xmpp/client';
import { SignJWT } from 'jose';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, iqError, startClient, xml, type XmppClient } from '../helpers/clients.js';
import { MAX_AVATAR_IMAGE_BYTES, MAX_VCARD_BYTES } from '../../server/modules/vcard-limits.js';

// @xmpp/client's WebSocket transport uses the global one, which Node 20 does not have yet.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const SECRET = 'the site and the chat share this secret';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A body the server takes for a PNG (it checks the first bytes), of exactly this size. */
const png = (size: number) => Buffer.concat([PNG_SIGNATURE, Buffer.alloc(size - PNG_SIGNATURE.length, 7)]);
const PICTURES: Record<string, Buffer> = {
  '/small.png': png(100),
  '/at-cap.png': png(MAX_AVATAR_IMAGE_BYTES),
  '/over-cap.png': png(MAX_AVATAR_IMAGE_BYTES + 1),
};

/** OAUTHBEARER (RFC 7628) for @xmpp/client, which ships without it: the token as a bearer. */
class OAuthBearer {
  name = 'OAUTHBEARER';
  clientFirst = true;
  response(credentials: { password: string }): string {
    return `n,,\x01auth=Bearer ${credentials.password}\x01\x01`;
  }
  challenge(): this {
    return this;
  }
}

let server: TestServer;
let site: http.Server;
let siteOrigin = '';
const open: XmppClient[] = [];

beforeAll(async () => {
  site = http.createServer((req, res) => {
    const picture = PICTURES[req.url ?? ''];
    if (picture) res.writeHead(200, { 'content-type': 'image/png' }).end(picture);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  server = await startTestServer({ auth: { jwt: { mode: 'optional', secret: SECRET, frame_ancestors: [siteOrigin] } } });
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
  await new Promise((resolve) => site?.close(resolve));
});

const websocket = () => `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;

async function siteGuest(picture: string): Promise<XmppClient> {
  const token = await new SignJWT({ sub: `member-${picture}`, nick: 'Pictured', img: `${siteOrigin}${picture}`, exp: Math.floor(Date.now() / 1000) + 300 })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
  const client = xmppClient({
    service: websocket(),
    domain: 'anon.localhost',
    credentials: (authenticate: (credentials: object, mechanism: string) => Promise<void>) => authenticate({ password: token }, 'OAUTHBEARER'),
  });
  client.saslFactory.use('OAUTHBEARER', OAuthBearer);
  client.on('error', () => {});
  open.push(client);
  await client.start();
  return client;
}

async function plainGuest(): Promise<XmppClient> {
  const client = await startClient(websocket(), {});
  open.push(client);
  return client;
}

const vcardGet = () => xml('vCard', { xmlns: 'vcard-temp' });
const vcardWithPhoto = (data: Buffer | string) => xml('vCard', { xmlns: 'vcard-temp' },
  xml('FN', {}, 'Someone'),
  xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, typeof data === 'string' ? data : data.toString('base64'))));

/** The picture in the guest's own vCard, once the server has fetched it (undefined: none). */
async function servedPicture(client: XmppClient): Promise<string | undefined> {
  let binval: string | undefined;
  await expect.poll(async () => {
    const vcard = await client.iqCaller.get(vcardGet());
    binval = vcard.getChild('PHOTO')?.getChildText('BINVAL') ?? undefined;
    return binval !== undefined;
  }, { timeout: 10_000 }).toBe(true);
  return binval;
}

describe('a site’s picture for its guest', () => {
  it('cannot be replaced by the guest’s own client', async () => {
    const guest = await siteGuest('/small.png');
    expect(await servedPicture(guest)).toBe(PICTURES['/small.png']!.toString('base64'));

    const own = xml('iq', { type: 'set' }, vcardWithPhoto(png(50)));
    expect(await iqError(guest, own)).toBe('not-allowed');
    const addressed = xml('iq', { type: 'set', to: guest.jid!.bare().toString() }, vcardWithPhoto(png(50)));
    expect(await iqError(guest, addressed)).toBe('not-allowed');
    const pep = xml('iq', { type: 'set' }, xml('pubsub', { xmlns: 'http://jabber.org/protocol/pubsub' },
      xml('publish', { node: 'urn:xmpp:avatar:data' }, xml('item', { id: 'abc' }, xml('data', { xmlns: 'urn:xmpp:avatar:data' }, png(50).toString('base64'))))));
    expect(await iqError(guest, pep)).toBe('not-allowed');

    expect(await servedPicture(guest)).toBe(PICTURES['/small.png']!.toString('base64'));
    // Reading is untouched.
    const other = await plainGuest();
    const seen = await other.iqCaller.get(vcardGet(), guest.jid!.bare().toString());
    expect(seen.getChild('PHOTO')?.getChildText('BINVAL')).toBe(PICTURES['/small.png']!.toString('base64'));
  });

  it('leaves other guests free to set their own vCard, and not the site guest’s', async () => {
    const guest = await siteGuest('/small.png');
    const other = await plainGuest();
    await other.iqCaller.set(vcardWithPhoto(png(50)));
    const theirs = xml('iq', { type: 'set', to: guest.jid!.bare().toString() }, vcardWithPhoto(png(50)));
    expect(await iqError(other, theirs)).toBe('forbidden');
  });

  it('is served at the image cap, and not one byte over', async () => {
    const atCap = await siteGuest('/at-cap.png');
    expect(await servedPicture(atCap)).toBe(PICTURES['/at-cap.png']!.toString('base64'));
    const overCap = await siteGuest('/over-cap.png');
    // The join waits for the fetch; once the session is up a moment, the vCard is still empty.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const vcard = await overCap.iqCaller.get(vcardGet());
    expect(vcard.getChild('PHOTO')).toBeUndefined();
  });
});

describe('the vCard size cap', () => {
  it('takes a vCard with a full-size picture, and refuses one over the cap', async () => {
    const guest = await connectClient({ port: server.c2sPort });
    open.push(guest);
    await guest.iqCaller.set(vcardWithPhoto(png(MAX_AVATAR_IMAGE_BYTES)));
    // The same vCard with its BINVAL grown until the serialised vCard is one byte over.
    const base = vcardWithPhoto('A').toString().length - 1;
    const tooBig = xml('iq', { type: 'set' }, vcardWithPhoto('A'.repeat(MAX_VCARD_BYTES - base + 1)));
    expect(await iqError(guest, tooBig)).toBe('policy-violation');
    const exactly = xml('iq', { type: 'set' }, vcardWithPhoto('A'.repeat(MAX_VCARD_BYTES - base)));
    await guest.iqCaller.request(exactly);
  });
});
