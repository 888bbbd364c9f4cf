/** A minimal server context for the upload service's unit tests: config, storage (SQLite unless given), clock, the UPLOAD service. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { configFromObject, type ConfigInput } from '../../server/config/load.js';
import type { ServerContext } from '../../server/core/context.js';
import { ServerEvents } from '../../server/core/events.js';
import { Services } from '../../server/core/services.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import type { Storage } from '../../server/storage/types.js';
import { UPLOAD, UploadService } from '../../server/upload/service.js';

export interface UploadFixture {
  ctx: ServerContext;
  service: UploadService;
  dataDir: string;
  clock: { now: number };
  close(): void;
}

export function uploadFixture(overrides: ConfigInput = {}, dataDir?: string, given?: Storage): UploadFixture {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-upload-'));
  const config = configFromObject({ ...overrides, server: { data_dir: dir } } as ConfigInput, dir);
  const storage = given ?? openSqliteStorage(dir);
  const clock = { now: Date.UTC(2030, 0, 1) };
  const ctx = {
    config,
    storage,
    services: new Services(),
    events: new ServerEvents(),
    log: pino({ level: 'silent' }),
    now: () => clock.now,
  } as unknown as ServerContext;
  const service = new UploadService(ctx);
  ctx.services.provide(UPLOAD, service);
  return {
    ctx, service, dataDir: dir, clock,
    close() {
      ctx.events.emit('shutdown');
      void storage.close();
    },
  };
}
