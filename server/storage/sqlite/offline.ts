import type { Statement } from 'better-sqlite3';
import type { OfflineMessage, OfflineStore } from '../offline.js';
import type { Database } from './database.js';

/** Offline messages in SQLite (migration 008-account-archive). */
export class SqliteOfflineStore implements OfflineStore {
  private readonly stCount: Statement<[string], { n: number }>;
  private readonly stInsert: Statement<[string, string, number, string]>;
  private readonly stAll: Statement<[string], OfflineMessage>;
  private readonly stDelete: Statement<[string]>;
  private readonly stExpire: Statement<[number, number]>;
  private readonly addTx: (owner: string, message: OfflineMessage, cap: number) => boolean;
  private readonly takeTx: (owner: string) => OfflineMessage[];

  constructor(db: Database) {
    this.stCount = db.prepare('SELECT count(*) AS n FROM offline_messages WHERE owner = ?');
    this.stInsert = db.prepare(
      'INSERT INTO offline_messages (owner, id, timestamp, stanza) VALUES (?, ?, ?, ?) ON CONFLICT (owner, id) DO NOTHING');
    this.stAll = db.prepare('SELECT id, stanza, timestamp FROM offline_messages WHERE owner = ? ORDER BY seq');
    this.stDelete = db.prepare('DELETE FROM offline_messages WHERE owner = ?');
    this.stExpire = db.prepare(
      'DELETE FROM offline_messages WHERE seq IN (SELECT seq FROM offline_messages WHERE timestamp < ? ORDER BY timestamp LIMIT ?)');
    this.addTx = db.transaction((owner: string, message: OfflineMessage, cap: number) => {
      if (this.count(owner) >= cap) return false;
      return this.stInsert.run(owner, message.id, message.timestamp, message.stanza).changes > 0;
    });
    this.takeTx = db.transaction((owner: string) => {
      const held = this.stAll.all(owner);
      this.stDelete.run(owner);
      return held;
    });
  }

  add(owner: string, message: OfflineMessage, cap: number): boolean {
    return this.addTx(owner, message, cap);
  }

  count(owner: string): number {
    return this.stCount.get(owner)!.n;
  }

  take(owner: string): OfflineMessage[] {
    return this.takeTx(owner);
  }

  expire(cutoff: number, limit: number): number {
    return this.stExpire.run(cutoff, Math.max(0, limit)).changes;
  }

  deleteUser(owner: string): void {
    this.stDelete.run(owner);
  }
}
