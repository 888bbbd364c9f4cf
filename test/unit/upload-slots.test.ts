import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { xml, type Element } from '../../server/xml/element.js';
import { StanzaError } from '../../server/xml/errors.js';
import { NS } from '../../server/xml/namespaces.js';
import { uploadService } from '../../server/upload/service.js';
import { SLOT_LIFETIME_MS, requestSlot, type Uploader } from '../../server/upload/slots.js';
import { hashSecret, secretMatches } from '../../server/upload/secrets.js';
import { Host, type StanzaContext } from '../../server/core/host.js';
import type { Session } from '../../server/core/session.js';
import { parseJid } from '../../server/jid/jid.js';
import uploadModule from '../../server/modules/upload.js';
import { uploadFixture, type UploadFixture } from './upload-fixture.js';

const fixtures: UploadFixture[] = [];
afterEach(() => {
  for (const f of fixtures.splice(0)) {
    f.close();
    fs.rmSync(f.dataDir, { recursive: true, force: true });
  }
});

function setup(upload: Record<string, unknown> = {}) {
  const fixture = uploadFixture({ upload, listen: { public_url: 'https://chat.example/palaver' } });
  fixtures.push(fixture);
  return { ...fixture, service: uploadService(fixture.ctx) };
}

const guest: Uploader = { quotaKey: 'guest:network-1', isGuest: true };
const alice: Uploader = { quotaKey: 'alice@localhost', isGuest: false };

function request(attrs: Record<string, string | number | undefined>): Element {
  return xml('request', { xmlns: NS.upload, ...attrs });
}

function refusal(fn: () => unknown): StanzaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StanzaError) return error;
    throw error;
  }
  throw new Error('expected a StanzaError');
}

describe('asking for an upload slot', () => {
  it('gives a PUT URL with the secret, an Authorization header with it, and a GET URL without it', () => {
    const { service, clock } = setup();
    const slot = requestSlot(service, guest, request({ filename: 'très cool.jpg', size: 1234, 'content-type': 'image/jpeg' }));
    expect(slot.attrs.xmlns).toBe(NS.upload);
    const getUrl = slot.getChild('get')!.attrs.url as string;
    const putUrl = slot.getChild('put')!.attrs.url as string;
    const header = slot.getChild('put')!.getChild('header')!;
    expect(getUrl).toMatch(/^https:\/\/chat\.example\/palaver\/upload\/[A-Za-z0-9_-]{22}\/tr%C3%A8s%20cool\.jpg$/);
    const secret = new URL(putUrl).searchParams.get('token')!;
    expect(putUrl).toBe(`${getUrl}?token=${secret}`);
    expect(header.attrs.name).toBe('Authorization');
    expect(header.getText()).toBe(`Bearer ${secret}`);
    expect(getUrl).not.toContain(secret);

    const id = new URL(getUrl).pathname.split('/')[3]!;
    const record = service.store.get(id)!;
    expect(record).toMatchObject({ uploader: guest.quotaKey, fileName: 'très cool.jpg', size: 1234, contentType: 'image/jpeg', completedAt: null });
    expect(record.expiresAt).toBe(clock.now + SLOT_LIFETIME_MS);
    expect(secretMatches(secret, record.secretHash)).toBe(true);
    expect(record.secretHash.equals(hashSecret(secret))).toBe(true);
    expect(secretMatches(secret.slice(1), record.secretHash)).toBe(false);
  });

  it('hands out a different id and secret every time', () => {
    const { service } = setup();
    const urls = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const slot = requestSlot(service, alice, request({ filename: 'a.txt', size: 1 }));
      urls.add(slot.getChild('put')!.attrs.url as string);
    }
    expect(urls.size).toBe(20);
  });

  it('refuses a file over max_size with file-too-large and the limit', () => {
    const { service } = setup({ max_size: '1KiB' });
    const error = refusal(() => requestSlot(service, guest, request({ filename: 'big.bin', size: 1025 })));
    expect(error.type).toBe('modify');
    expect(error.condition).toBe('not-acceptable');
    const element = error.toElement();
    const tooLarge = element.getChild('file-too-large', NS.upload)!;
    expect(tooLarge.getChildText('max-file-size')).toBe('1024');
    expect(() => requestSlot(service, guest, request({ filename: 'ok.bin', size: 1024 }))).not.toThrow();
  });

  it('refuses a request without a name, a size or with a bad content type', () => {
    const { service } = setup();
    for (const attrs of [{ size: 1 }, { filename: '', size: 1 }, { filename: 'a' }, { filename: 'a', size: -1 },
      { filename: 'a', size: '1e3' }, { filename: 'a', size: '9'.repeat(30) },
      { filename: 'a', size: 1, 'content-type': 'text/html\r\nSet-Cookie: x=1' }]) {
      expect(refusal(() => requestSlot(service, guest, request(attrs))).condition).toBe('bad-request');
    }
  });

  it('stops a guest network at its quota, and another network is not affected', () => {
    const { service } = setup({ max_size: '1MiB', quota_per_guest: '2MiB' });
    requestSlot(service, guest, request({ filename: 'a', size: 1024 * 1024 }));
    requestSlot(service, guest, request({ filename: 'b', size: 1024 * 1024 }));
    const error = refusal(() => requestSlot(service, guest, request({ filename: 'c', size: 1 })));
    expect(error.type).toBe('wait');
    expect(error.condition).toBe('resource-constraint');
    expect(() => requestSlot(service, { quotaKey: 'guest:network-2', isGuest: true }, request({ filename: 'c', size: 1 }))).not.toThrow();
  });

  it('stops an account at the daily quota and says when to retry; a day later it may upload again', () => {
    const { service, clock } = setup({ max_size: '1MiB', quota_per_account_per_day: '1MiB', expires_after: '48h' });
    const firstAt = clock.now;
    const slot = requestSlot(service, alice, request({ filename: 'a', size: 1024 * 1024 }));
    // The slot is used, so it lives on as a file for 48 h, but counts for the quota for 24 h only.
    const id = new URL(slot.getChild('get')!.attrs.url as string).pathname.split('/')[3]!;
    expect(service.store.complete(id, clock.now, clock.now + 48 * 3_600_000)).toBe(true);
    clock.now += 60 * 60_000;
    const error = refusal(() => requestSlot(service, alice, request({ filename: 'b', size: 1 })));
    expect(error.condition).toBe('resource-constraint');
    expect(error.toElement().getChild('retry', NS.upload)!.attrs.stamp).toBe(new Date(firstAt + 86_400_000).toISOString().replace('.000Z', 'Z'));
    clock.now = firstAt + 86_400_000;
    expect(() => requestSlot(service, alice, request({ filename: 'b', size: 1 }))).not.toThrow();
  });

  it('does not count slots that expired unused against the uploader', () => {
    const { service, clock } = setup({ max_size: '1MiB', quota_per_guest: '1MiB' });
    requestSlot(service, guest, request({ filename: 'a', size: 1024 * 1024 }));
    clock.now += SLOT_LIFETIME_MS;
    expect(() => requestSlot(service, guest, request({ filename: 'a', size: 1024 * 1024 }))).not.toThrow();
  });

  it('refuses everyone once the disk quota is taken', () => {
    const { service } = setup({ max_size: '1MiB', disk_quota: '1MiB' });
    requestSlot(service, guest, request({ filename: 'a', size: 1024 * 1024 }));
    const error = refusal(() => requestSlot(service, alice, request({ filename: 'b', size: 1 })));
    expect(error.condition).toBe('resource-constraint');
    expect(error.type).toBe('wait');
  });
});

describe('the upload service host', () => {
  function loaded() {
    const { ctx } = setup();
    const host = new Host('upload.localhost', 'upload');
    uploadModule.load(host, ctx);
    const handler = host.iqHandler('get', 'host', NS.upload, 'request')!;
    const ask = (origin: Session | null, from: string) => handler({
      stanza: xml('iq'), from: parseJid(from), to: parseJid('upload.localhost'), origin, host,
    } as StanzaContext, request({ filename: 'a.txt', size: 1 }));
    return { host, ask };
  }

  it('advertises store/file, the XEP-0363 feature and max-file-size', () => {
    const { host } = loaded();
    expect(host.identities).toEqual([{ category: 'store', type: 'file', name: 'HTTP File Upload' }]);
    expect(host.features.has(NS.upload)).toBe(true);
    const form = host.infoExtensions[0]!;
    expect(form.getChildByAttr('var', 'FORM_TYPE')!.getChildText('value')).toBe(NS.upload);
    expect(form.getChildByAttr('var', 'max-file-size')!.getChildText('value')).toBe(String(10 * 1024 * 1024));
  });

  it('gives slots to clients of this server only', () => {
    const { ask } = loaded();
    const guestSession = { bare: parseJid('x1@anon.localhost'), isGuest: true, remoteAddress: '192.0.2.1', host: new Host('anon.localhost', 'anonymous') } as unknown as Session;
    expect((ask(guestSession, 'x1@anon.localhost/r') as ReturnType<typeof xml>).name).toBe('slot');
    let error: unknown;
    try {
      ask(null, 'room@conference.localhost');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StanzaError);
    expect((error as StanzaError).condition).toBe('not-allowed');
  });
});
