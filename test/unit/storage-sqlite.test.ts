/** What only the SQLite backend has: files, pragmas, migrations, persistence. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DATABASE_FILE, MigrationError, migrations, openDatabase, openSqliteStorage, relaxedSync, runMigrations, schemaVersion,
  type Database, type Migration,
} from '../../server/storage/sqlite/index.js';

const dirs: string[] = [];
const dbs: Database[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-sqlite-'));
  dirs.push(dir);
  return dir;
}

function track(db: Database): Database {
  dbs.push(db);
  return db;
}

afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const cred = {
  hash: 'SHA-256' as const, salt: Buffer.alloc(16, 1), iterations: 4096,
  storedKey: Buffer.alloc(32, 2), serverKey: Buffer.alloc(32, 3),
};

describe('openDatabase', () => {
  it('creates a missing data directory with mode 0700 and the database file with mode 0600', () => {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    track(openDatabase(dataDir));
    expect(fs.existsSync(path.join(dataDir, DATABASE_FILE))).toBe(true);
    if (process.platform !== 'win32') {
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(dataDir, DATABASE_FILE)).mode & 0o777).toBe(0o600);
    }
  });

  it('sets WAL, synchronous FULL (commits survive a power cut), foreign keys and a busy timeout', () => {
    const db = track(openDatabase(tempDir()));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
  });

  it('relaxes synchronous to NORMAL only inside a relaxedSync write, even one that throws', () => {
    const db = track(openDatabase(tempDir()));
    const relaxed = relaxedSync(db);
    expect(relaxed(() => db.pragma('synchronous', { simple: true }))).toBe(1); // NORMAL
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(() => relaxed(() => { throw new Error('disk full'); })).toThrow('disk full');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('applies every migration and records the count in user_version', () => {
    const db = track(openDatabase(tempDir()));
    expect(schemaVersion(db)).toBe(migrations.length);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
      .map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining([
      'accounts', 'scram_credentials', 'roster_items', 'roster_versions', 'roster_version_seq',
      'roster_pending_in', 'user_data',
    ]));
  });

  it('reopening is idempotent and keeps the data', () => {
    const dir = tempDir();
    const s1 = openSqliteStorage(dir);
    s1.accounts.create('alice', 'example.org', [cred]);
    const v = s1.rosters.putItem('alice@example.org', { jid: 'bob@example.org', subscription: 'both', groups: ['G'] });
    s1.userData.set('alice@example.org', 'vcard-temp', '<vCard/>');
    s1.close();
    s1.close(); // harmless twice

    const s2 = openSqliteStorage(dir);
    try {
      expect(schemaVersion(s2.db)).toBe(migrations.length);
      expect(runMigrations(s2.db, migrations)).toBe(0);
      expect(s2.accounts.getCredentials('alice', 'example.org', 'SHA-256')).toEqual(cred);
      expect(s2.rosters.get('alice@example.org')).toEqual({
        version: v, items: [{ jid: 'bob@example.org', subscription: 'both', groups: ['G'] }],
      });
      expect(s2.rosters.putItem('alice@example.org', { jid: 'c@example.org', subscription: 'none', groups: [] }))
        .toBeGreaterThan(v);
      expect(s2.userData.get('alice@example.org', 'vcard-temp')).toBe('<vCard/>');
    } finally {
      s2.close();
    }
  });

  it('close() checkpoints the WAL into the main file', () => {
    const dir = tempDir();
    const s = openSqliteStorage(dir);
    for (let i = 0; i < 50; i++) s.userData.set('alice@example.org', `k${i}`, 'x'.repeat(1000));
    const wal = path.join(dir, `${DATABASE_FILE}-wal`);
    expect(fs.statSync(wal).size).toBeGreaterThan(0);
    s.close();
    expect(!fs.existsSync(wal) || fs.statSync(wal).size === 0).toBe(true);
  });

  it('cascades credentials through the foreign key', () => {
    const s = openSqliteStorage(tempDir());
    try {
      s.accounts.create('alice', 'example.org', [cred]);
      s.accounts.delete('alice', 'example.org');
      expect(s.db.prepare('SELECT COUNT(*) AS n FROM scram_credentials').get()).toEqual({ n: 0 });
    } finally {
      s.close();
    }
  });

  it('runs registered delete hooks inside the transaction; a failing hook undoes the deletion', () => {
    const s = openSqliteStorage(tempDir());
    try {
      s.accounts.create('alice', 'example.org', [cred]);
      s.rosters.putItem('alice@example.org', { jid: 'bob@example.org', subscription: 'both', groups: [] });
      const seen: string[] = [];
      s.accounts.onDelete(({ jid }) => {
        seen.push(jid);
        throw new Error('archive cleanup failed');
      });
      expect(() => s.accounts.delete('alice', 'example.org')).toThrow('archive cleanup failed');
      expect(seen).toEqual(['alice@example.org']);
      expect(s.accounts.exists('alice', 'example.org')).toBe(true);
      expect(s.rosters.get('alice@example.org').items).toHaveLength(1);
    } finally {
      s.close();
    }
  });

  it('refuses a database from a newer schema', () => {
    const dir = tempDir();
    const db = openDatabase(dir);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openDatabase(dir)).toThrow(MigrationError);
  });
});

describe('runMigrations', () => {
  const m = (version: number, name: string, up: Migration['up'], extra: Partial<Migration> = {}): Migration =>
    ({ version, name, up, ...extra });

  it('applies only the new migrations of an extended list', () => {
    const dir = tempDir();
    const base = [m(1, 'a', 'CREATE TABLE a (x INTEGER)')];
    track(openDatabase(dir, { migrations: base })).close();
    let calls = 0;
    const extended = [...base, m(2, 'b', (db) => { calls++; db.exec('CREATE TABLE b (y INTEGER)'); })];
    const db = track(openDatabase(dir, { migrations: extended }));
    expect(calls).toBe(1);
    expect(schemaVersion(db)).toBe(2);
    db.close();
    track(openDatabase(dir, { migrations: extended }));
    expect(calls).toBe(1);
  });

  it('rolls back a failed migration, user_version included', () => {
    const dir = tempDir();
    const list = [
      m(1, 'ok', 'CREATE TABLE a (x INTEGER)'),
      m(2, 'broken', 'CREATE TABLE b (y INTEGER); INSERT INTO nope VALUES (1);'),
    ];
    expect(() => openDatabase(dir, { migrations: list })).toThrow(/migration 2 "broken" failed/);
    const db = track(openDatabase(dir, { migrations: list.slice(0, 1) }));
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
  });

  it('rejects a list whose versions do not match their positions, or repeat a name', () => {
    const dir = tempDir();
    expect(() => openDatabase(dir, { migrations: [m(2, 'a', 'SELECT 1')] })).toThrow(MigrationError);
    expect(() => openDatabase(dir, { migrations: [m(1, 'a', 'SELECT 1'), m(2, 'a', 'SELECT 1')] }))
      .toThrow(MigrationError);
  });

  it('can rebuild a referenced table with foreign keys off, then turns them back on', () => {
    const dir = tempDir();
    const list = [
      m(1, 'parent', `CREATE TABLE p (id INTEGER PRIMARY KEY);
                      CREATE TABLE c (pid INTEGER REFERENCES p (id) ON DELETE CASCADE);
                      INSERT INTO p VALUES (1); INSERT INTO c VALUES (1);`),
      m(2, 'rebuild-p', `CREATE TABLE p_new (id INTEGER PRIMARY KEY, label TEXT);
                         INSERT INTO p_new (id) SELECT id FROM p;
                         DROP TABLE p;
                         ALTER TABLE p_new RENAME TO p;`, { disableForeignKeys: true }),
    ];
    const db = track(openDatabase(dir, { migrations: list }));
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT COUNT(*) AS n FROM c').get()).toEqual({ n: 1 });
  });

  it('the built-in list is well formed', () => {
    migrations.forEach((mig, i) => expect(mig.version).toBe(i + 1));
  });
});
