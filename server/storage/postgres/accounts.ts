import type pg from 'pg';
import type { AccountStore, ScramCredentials, ScramHash } from '../types.js';
import type { AccountDeleteHook } from '../sqlite/accounts.js';
import type { MemoryAccountStore } from '../memory/accounts.js';
import { encodeParts, groupByKey, keyFilter, mirrorKey, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';

interface CredentialRow {
  host: string;
  username: string;
  hash: ScramHash;
  salt: Buffer;
  iterations: number;
  stored_key: Buffer;
  server_key: Buffer;
}

const KIND = 'account';
const KEY_COLUMNS = ['host', 'username'];

/** Accounts: read from the mirror, written behind to accounts and scram_credentials. */
export class PostgresAccountStore implements AccountStore, MirroredKind<ScramCredentials[]> {
  readonly kind = KIND;

  constructor(private readonly mirror: MemoryAccountStore, private readonly writer: MirrorWriter) {}

  /** Cleanup of what else is kept per user; its writes commit with the account's deletion. */
  onDelete(hook: AccountDeleteHook): void {
    this.mirror.onDelete(hook);
  }

  exists(username: string, host: string): boolean {
    return this.mirror.exists(username, host);
  }

  create(username: string, host: string, credentials: ScramCredentials[]): void {
    this.writer.admit();
    this.mirror.create(username, host, credentials);
    const createdAt = Date.now();
    this.writer.write([mirrorKey(KIND, [host, username])], async (db) => {
      await db.query('INSERT INTO accounts (host, username, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [host, username, createdAt]);
      await replaceCredentials(db, host, username, credentials);
    });
  }

  setCredentials(username: string, host: string, credentials: ScramCredentials[]): boolean {
    this.writer.admit();
    if (!this.mirror.setCredentials(username, host, credentials)) return false;
    this.writer.write([mirrorKey(KIND, [host, username])], (db) => replaceCredentials(db, host, username, credentials));
    return true;
  }

  getCredentials(username: string, host: string, hash: ScramHash): ScramCredentials | undefined {
    return this.mirror.getCredentials(username, host, hash);
  }

  delete(username: string, host: string): boolean {
    this.writer.admit();
    return this.writer.atomic(() => {
      if (!this.mirror.delete(username, host)) return false;
      // scram_credentials rows go by ON DELETE CASCADE.
      this.writer.write([mirrorKey(KIND, [host, username])], (db) =>
        db.query('DELETE FROM accounts WHERE host = $1 AND username = $2', [host, username]));
      return true;
    });
  }

  list(host: string): string[] {
    return this.mirror.list(host);
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, ScramCredentials[]>> {
    const { where, params } = keyFilter(KEY_COLUMNS, keys);
    const accounts = await db.query<{ host: string; username: string }>(`SELECT host, username FROM accounts${where}`, params);
    const credentials = await db.query<CredentialRow>(`SELECT host, username, hash, salt, iterations, stored_key, server_key FROM scram_credentials${where}`, params);
    const entries = groupByKey(accounts.rows, (row) => [row.host, row.username], new Map<string, ScramCredentials[]>(), () => []);
    const partsOf = (row: CredentialRow): KeyParts => [row.host, row.username];
    // Credentials of an account deleted between the two queries have no entry and are skipped.
    for (const row of credentials.rows) {
      entries.get(encodeParts(partsOf(row)))?.push({
        hash: row.hash, salt: row.salt, iterations: row.iterations, storedKey: row.stored_key, serverKey: row.server_key,
      });
    }
    return entries;
  }

  replace([host, username]: KeyParts, credentials: ScramCredentials[] | undefined): void {
    this.mirror.restore(username!, host!, credentials);
  }

  keys(): KeyParts[] {
    return this.mirror.accounts();
  }
}

async function replaceCredentials(db: pg.ClientBase, host: string, username: string, credentials: readonly ScramCredentials[]): Promise<void> {
  await db.query('DELETE FROM scram_credentials WHERE host = $1 AND username = $2', [host, username]);
  for (const c of credentials) {
    await db.query(
      `INSERT INTO scram_credentials (host, username, hash, salt, iterations, stored_key, server_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [host, username, c.hash, c.salt, c.iterations, c.storedKey, c.serverKey]);
  }
}
