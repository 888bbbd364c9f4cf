import type { Statement } from 'better-sqlite3';
import {
  AccountExistsError,
  type AccountStore, type ScramCredentials, type ScramHash,
} from '../types.js';
import type { Database } from './database.js';

/** Called inside the deletion transaction; throwing aborts the whole deletion. */
export type AccountDeleteHook = (account: { username: string; host: string; jid: string }) => void;

const HASHES: readonly ScramHash[] = ['SHA-1', 'SHA-256', 'SHA-512'];

interface CredentialRow {
  salt: Buffer;
  iterations: number;
  stored_key: Buffer;
  server_key: Buffer;
}

export class SqliteAccountStore implements AccountStore {
  private readonly hooks: AccountDeleteHook[] = [];
  private readonly stExists: Statement<[string, string], { one: number }>;
  private readonly stInsertAccount: Statement<[string, string, number]>;
  private readonly stInsertCred: Statement<[string, string, string, Buffer, number, Buffer, Buffer]>;
  private readonly stDeleteCreds: Statement<[string, string]>;
  private readonly stGetCred: Statement<[string, string, string], CredentialRow>;
  private readonly stDeleteAccount: Statement<[string, string]>;
  private readonly stList: Statement<[string], { username: string }>;

  constructor(private readonly db: Database) {
    this.stExists = db.prepare('SELECT 1 AS one FROM accounts WHERE host = ? AND username = ?');
    this.stInsertAccount = db.prepare(
      'INSERT INTO accounts (host, username, created_at) VALUES (?, ?, ?)');
    this.stInsertCred = db.prepare(
      `INSERT INTO scram_credentials (host, username, hash, salt, iterations, stored_key, server_key)
       VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.stDeleteCreds = db.prepare('DELETE FROM scram_credentials WHERE host = ? AND username = ?');
    this.stGetCred = db.prepare(
      `SELECT salt, iterations, stored_key, server_key FROM scram_credentials
       WHERE host = ? AND username = ? AND hash = ?`);
    this.stDeleteAccount = db.prepare('DELETE FROM accounts WHERE host = ? AND username = ?');
    this.stList = db.prepare('SELECT username FROM accounts WHERE host = ? ORDER BY username');
  }

  /**
   * Registers cleanup for data other modules keep per user (archive, uploads, …).
   * openSqliteStorage registers the roster and user-data stores.
   */
  onDelete(hook: AccountDeleteHook): void {
    this.hooks.push(hook);
  }

  exists(username: string, host: string): boolean {
    return this.stExists.get(host, username) !== undefined;
  }

  create(username: string, host: string, credentials: ScramCredentials[]): void {
    checkCredentials(credentials);
    this.db.transaction(() => {
      if (this.exists(username, host)) throw new AccountExistsError(`${username}@${host} exists`);
      this.stInsertAccount.run(host, username, Date.now());
      this.insertCredentials(username, host, credentials);
    })();
  }

  setCredentials(username: string, host: string, credentials: ScramCredentials[]): boolean {
    checkCredentials(credentials);
    return this.db.transaction(() => {
      if (!this.exists(username, host)) return false;
      this.stDeleteCreds.run(host, username);
      this.insertCredentials(username, host, credentials);
      return true;
    })();
  }

  getCredentials(username: string, host: string, hash: ScramHash): ScramCredentials | undefined {
    const row = this.stGetCred.get(host, username, hash);
    if (!row) return undefined;
    return {
      hash,
      salt: row.salt,
      iterations: row.iterations,
      storedKey: row.stored_key,
      serverKey: row.server_key,
    };
  }

  delete(username: string, host: string): boolean {
    return this.db.transaction(() => {
      // scram_credentials rows go by ON DELETE CASCADE.
      if (this.stDeleteAccount.run(host, username).changes === 0) return false;
      const account = { username, host, jid: `${username}@${host}` };
      for (const hook of this.hooks) hook(account);
      return true;
    })();
  }

  list(host: string): string[] {
    return this.stList.all(host).map((r) => r.username);
  }

  private insertCredentials(username: string, host: string, credentials: ScramCredentials[]): void {
    for (const c of credentials) {
      this.stInsertCred.run(host, username, c.hash, c.salt, c.iterations, c.storedKey, c.serverKey);
    }
  }
}

/** Shared with the in-memory store: one credential set per known hash, sane values. */
export function checkCredentials(credentials: readonly ScramCredentials[]): void {
  const seen = new Set<ScramHash>();
  for (const c of credentials) {
    if (!HASHES.includes(c.hash)) throw new TypeError(`unknown SCRAM hash ${String(c.hash)}`);
    if (seen.has(c.hash)) throw new TypeError(`two credential sets for ${c.hash}`);
    seen.add(c.hash);
    if (!Number.isSafeInteger(c.iterations) || c.iterations < 1) {
      throw new TypeError(`invalid iteration count ${c.iterations}`);
    }
    if (c.salt.length === 0 || c.storedKey.length === 0 || c.serverKey.length === 0) {
      throw new TypeError('empty salt or key');
    }
  }
}
