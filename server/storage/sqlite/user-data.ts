import type { Statement } from 'better-sqlite3';
import type { UserDataStore } from '../types.js';
import type { Database } from './database.js';

export class SqliteUserDataStore implements UserDataStore {
  private readonly stGet: Statement<[string, string], { value: string }>;
  private readonly stSet: Statement<[string, string, string, number]>;
  private readonly stDelete: Statement<[string, string]>;
  private readonly stDeleteUser: Statement<[string]>;

  constructor(db: Database) {
    this.stGet = db.prepare('SELECT value FROM user_data WHERE user = ? AND key = ?');
    this.stSet = db.prepare(
      `INSERT INTO user_data (user, key, value, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
    this.stDelete = db.prepare('DELETE FROM user_data WHERE user = ? AND key = ?');
    this.stDeleteUser = db.prepare('DELETE FROM user_data WHERE user = ?');
  }

  get(user: string, key: string): string | undefined {
    return this.stGet.get(user, key)?.value;
  }

  set(user: string, key: string, value: string | null): void {
    if (value === null) this.stDelete.run(user, key);
    else this.stSet.run(user, key, value, Date.now());
  }

  deleteUser(user: string): void {
    this.stDeleteUser.run(user);
  }
}
