import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { SecretStore } from '../secrets.js';
import type { Database } from './database.js';

const SECRET_BYTES = 32;

export class SqliteSecretStore implements SecretStore {
  private readonly stGet: Statement<[string], { secret: Buffer }>;
  private readonly stInsert: Statement<[string, Buffer]>;

  constructor(db: Database) {
    this.stGet = db.prepare('SELECT secret FROM server_secrets WHERE name = ?');
    this.stInsert = db.prepare('INSERT OR IGNORE INTO server_secrets (name, secret) VALUES (?, ?)');
  }

  secret(name: string): Buffer {
    const existing = this.stGet.get(name);
    if (existing) return existing.secret;
    // OR IGNORE: a second process racing to create it keeps the first one's key.
    this.stInsert.run(name, randomBytes(SECRET_BYTES));
    return this.stGet.get(name)!.secret;
  }
}
