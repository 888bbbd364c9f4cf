/** A minimal server context for the upload service's unit tests: config, SQLite, clock. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { configFromObject, type ConfigInput } from '../../server/config/load.js';
import type { ServerContext } from '../../server/core/context.js';
import { ServerEvents } from '../../server/core/events.js';
import { openDatabase, type Database } from '../../server/storage/sqlite/index.js';

export interface UploadFixture {
  ctx: ServerContext;
  db: Database;
  dataDir: string;
  clock: { now: number };
  close(): void;
}

export function uploadFixture(overrides: ConfigInput = {}, dataDir?: string): UploadFixture {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-upload-'));
  const config = configFromObject({ ...overrides, server: { data_dir: dir } } as ConfigInput, dir);
  const db = openDatabase(dir);
  const clock = { now: Date.UTC(2030, 0, 1) };
  const ctx = {
    config,
    database: db,
    events: new ServerEvents(),
    log: pino({ level: 'silent' }),
    now: () => clock.now,
  } as unknown as ServerContext;
  return {
    ctx, db, dataDir: dir, clock,
    close() {
      ctx.events.emit('shutdown');
      if (db.open) db.close();
    },
  };
}
