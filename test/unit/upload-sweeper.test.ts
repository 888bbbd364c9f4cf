import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ReceiveError, UploadFiles } from '../../server/upload/files.js';
import type { UploadService } from '../../server/upload/service.js';
import { hashSecret, newSlotId } from '../../server/upload/secrets.js';
import { startSweeper } from '../../server/upload/service.js';
import { uploadFixture, type UploadFixture } from './upload-fixture.js';

const fixtures: UploadFixture[] = [];
afterEach(() => {
  for (const f of fixtures.splice(0)) {
    f.close();
    fs.rmSync(f.dataDir, { recursive: true, force: true });
  }
});

function setup(dataDir?: string) {
  const fixture = uploadFixture({}, dataDir);
  fixtures.push(fixture);
  return fixture;
}

/** A completed upload with its file on disk, expiring at `expiresAt`. */
function stored(service: UploadService, expiresAt: number, bytes = 'hello'): string {
  const id = newSlotId();
  const now = service.ctx.now();
  service.store.add({
    id, secretHash: hashSecret('s'), uploader: 'a@localhost', fileName: 'f.txt', size: bytes.length,
    contentType: 'text/plain', createdAt: now, expiresAt, completedAt: now,
  });
  fs.writeFileSync(service.files.pathOf(id), bytes);
  return id;
}

function pending(service: UploadService, deadline: number): string {
  const id = newSlotId();
  service.store.add({
    id, secretHash: hashSecret('s'), uploader: 'a@localhost', fileName: 'f.txt', size: 5,
    contentType: '', createdAt: service.ctx.now(), expiresAt: deadline, completedAt: null,
  });
  return id;
}

describe('the expiry sweep', () => {
  it('deletes expired files and their records, unused slots past their deadline, and keeps the rest', async () => {
    const { service, clock } = setup();
    const old = stored(service, clock.now - 1);
    const due = stored(service, clock.now);
    const live = stored(service, clock.now + 1000);
    const unused = pending(service, clock.now - 1);
    const waiting = pending(service, clock.now + 1000);
    expect(await service.sweep()).toEqual({ expired: 3, strays: 0 });
    for (const id of [old, due, unused]) expect(service.store.has(id)).toBe(false);
    expect(fs.existsSync(service.files.pathOf(old))).toBe(false);
    expect(fs.existsSync(service.files.pathOf(due))).toBe(false);
    expect(fs.readFileSync(service.files.pathOf(live), 'utf8')).toBe('hello');
    expect(service.store.has(waiting)).toBe(true);
  });

  it('removes leftover temporary files and files without a record, never a file being written', async () => {
    const { service, clock } = setup();
    const live = stored(service, clock.now + 1000);
    fs.writeFileSync(path.join(service.files.tmpDir, `${newSlotId()}.abc`), 'partial');
    fs.writeFileSync(service.files.pathOf(newSlotId()), 'orphan');
    fs.writeFileSync(path.join(service.files.root, 'not-an-id.txt'), 'junk');
    const result = await service.sweep();
    expect(result.strays).toBe(3);
    expect(fs.readdirSync(service.files.root).sort()).toEqual([live, 'tmp'].sort());
    expect(fs.readdirSync(service.files.tmpDir)).toEqual([]);
  });

  it('spares an expired slot whose PUT is arriving right now', async () => {
    const { service, clock } = setup();
    const id = pending(service, clock.now - 1);
    service.receiving.add(id);
    await service.sweep();
    expect(service.store.has(id)).toBe(true);
  });

  it('runs at start, so files that expired while the server was stopped go at once, and stops at shutdown', async () => {
    const first = setup();
    const expired = stored(first.service, first.clock.now + 10);
    const kept = stored(first.service, first.clock.now + 1_000_000);
    first.close();

    const second = setup(first.dataDir);
    second.clock.now = first.clock.now + 100;
    startSweeper(second.service, second.ctx);
    await second.service.sweep();
    expect(second.service.store.has(expired)).toBe(false);
    expect(fs.existsSync(second.service.files.pathOf(expired))).toBe(false);
    expect(second.service.store.has(kept)).toBe(true);

    second.ctx.events.emit('shutdown');
    second.clock.now += 10_000_000;
    expect(await second.service.sweep()).toEqual({ expired: 0, strays: 0 });
    expect(second.service.store.has(kept)).toBe(true);
  });
});

describe('receiving a PUT body', () => {
  it('puts exactly the slot size into place, leaving no temporary file', async () => {
    const { service } = setup();
    const id = newSlotId();
    await service.files.receive(id, Readable.from([Buffer.from('hel'), Buffer.from('lo')]), 5);
    expect(fs.readFileSync(service.files.pathOf(id), 'utf8')).toBe('hello');
    expect(fs.readdirSync(service.files.tmpDir)).toEqual([]);
  });

  it('stores an empty file', async () => {
    const { service } = setup();
    const id = newSlotId();
    await service.files.receive(id, Readable.from([]), 0);
    expect(fs.readFileSync(service.files.pathOf(id)).length).toBe(0);
  });

  it('refuses a body shorter or longer than the slot and keeps nothing', async () => {
    const { service } = setup();
    for (const body of ['hell', 'hello!']) {
      const id = newSlotId();
      const error = await service.files.receive(id, Readable.from([Buffer.from(body)]), 5).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReceiveError);
      expect((error as ReceiveError).kind).toBe('size');
      expect(fs.existsSync(service.files.pathOf(id))).toBe(false);
    }
    expect(fs.readdirSync(service.files.tmpDir)).toEqual([]);
  });

  it('blames the client when the body breaks off, and the disk when writing fails', async () => {
    const { service } = setup();
    const source = new PassThrough();
    const aborted = service.files.receive(newSlotId(), source, 10).catch((e: unknown) => e);
    source.write('12345');
    source.destroy(new Error('socket hang up'));
    expect(((await aborted) as ReceiveError).kind).toBe('client');

    const failingDisk = () => new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      },
    });
    const id = newSlotId();
    const brokenDisk = new UploadFiles(service.ctx.config.server.data_dir, failingDisk);
    const error = (await brokenDisk.receive(id, Readable.from([Buffer.from('hello')]), 5).catch((e: unknown) => e)) as ReceiveError;
    expect(error.kind).toBe('disk');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(fs.existsSync(service.files.pathOf(id))).toBe(false);
    expect(fs.readdirSync(service.files.tmpDir)).toEqual([]);
  });
});
