import {
  AccountExistsError,
  type AccountStore, type ScramCredentials, type ScramHash,
} from '../types.js';
// Type-only imports inside: loading this does not load better-sqlite3.
import { checkCredentials, type AccountDeleteHook } from '../sqlite/accounts.js';

function copyCredentials(c: ScramCredentials): ScramCredentials {
  return {
    hash: c.hash,
    salt: Buffer.from(c.salt),
    iterations: c.iterations,
    storedKey: Buffer.from(c.storedKey),
    serverKey: Buffer.from(c.serverKey),
  };
}

/** Accounts held in memory (tests). Same contract as SqliteAccountStore. */
export class MemoryAccountStore implements AccountStore {
  /** host → username → credentials by hash */
  private readonly hosts = new Map<string, Map<string, Map<ScramHash, ScramCredentials>>>();
  private readonly hooks: AccountDeleteHook[] = [];

  onDelete(hook: AccountDeleteHook): void {
    this.hooks.push(hook);
  }

  exists(username: string, host: string): boolean {
    return this.hosts.get(host)?.has(username) ?? false;
  }

  create(username: string, host: string, credentials: ScramCredentials[]): void {
    checkCredentials(credentials);
    if (this.exists(username, host)) throw new AccountExistsError(`${username}@${host} exists`);
    let users = this.hosts.get(host);
    if (!users) this.hosts.set(host, (users = new Map()));
    users.set(username, toMap(credentials));
  }

  setCredentials(username: string, host: string, credentials: ScramCredentials[]): boolean {
    checkCredentials(credentials);
    const users = this.hosts.get(host);
    if (!users?.has(username)) return false;
    users.set(username, toMap(credentials));
    return true;
  }

  getCredentials(username: string, host: string, hash: ScramHash): ScramCredentials | undefined {
    const c = this.hosts.get(host)?.get(username)?.get(hash);
    return c ? copyCredentials(c) : undefined;
  }

  delete(username: string, host: string): boolean {
    const users = this.hosts.get(host);
    const creds = users?.get(username);
    if (!users || !creds) return false;
    users.delete(username);
    if (users.size === 0) this.hosts.delete(host);
    const account = { username, host, jid: `${username}@${host}` };
    try {
      for (const hook of this.hooks) hook(account);
    } catch (err) {
      // Mirror the SQLite transaction: a failing hook leaves the account in place.
      let restored = this.hosts.get(host);
      if (!restored) this.hosts.set(host, (restored = new Map()));
      restored.set(username, creds);
      throw err;
    }
    return true;
  }

  list(host: string): string[] {
    return [...(this.hosts.get(host)?.keys() ?? [])].sort(compareUtf8);
  }

  /**
   * Sets or removes one account as another copy of the data says it is (a mirror kept in
   * step with a database): no checks, no delete hooks, since that copy already applied them.
   */
  restore(username: string, host: string, credentials: readonly ScramCredentials[] | undefined): void {
    let users = this.hosts.get(host);
    if (credentials === undefined) {
      if (users?.delete(username) && users.size === 0) this.hosts.delete(host);
      return;
    }
    if (!users) this.hosts.set(host, (users = new Map()));
    users.set(username, toMap(credentials));
  }

  /** Every account held, as [host, username]. */
  accounts(): [host: string, username: string][] {
    return [...this.hosts].flatMap(([host, users]) => [...users.keys()].map((username): [string, string] => [host, username]));
  }
}

function toMap(credentials: readonly ScramCredentials[]): Map<ScramHash, ScramCredentials> {
  return new Map(credentials.map((c) => [c.hash, copyCredentials(c)]));
}

/** Byte order of the UTF-8 encodings: the order SQLite's BINARY collation gives. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
