import type { Statement } from 'better-sqlite3';
import type { InvitationRecord, InvitationStore } from '../invitations.js';
import type { Database } from './database.js';

interface Row { token_hash: Buffer; expires_at: number; used: number }

/** Invitations in the invitations table (migration 009); SQLite's writes are serialised, so take() is atomic. */
export class SqliteInvitationStore implements InvitationStore {
  private readonly stInsert: Statement<[Buffer, number]>;
  private readonly stFind: Statement<[Buffer], Row>;
  private readonly stTake: Statement<[Buffer, number]>;
  private readonly stRelease: Statement<[Buffer]>;
  private readonly stDeleteExpired: Statement<[number]>;

  constructor(db: Database) {
    this.stInsert = db.prepare('INSERT INTO invitations (token_hash, expires_at, used) VALUES (?, ?, 0)');
    this.stFind = db.prepare('SELECT token_hash, expires_at, used FROM invitations WHERE token_hash = ?');
    this.stTake = db.prepare('UPDATE invitations SET used = 1 WHERE token_hash = ? AND used = 0 AND expires_at > ?');
    this.stRelease = db.prepare('UPDATE invitations SET used = 0 WHERE token_hash = ?');
    this.stDeleteExpired = db.prepare('DELETE FROM invitations WHERE expires_at <= ?');
  }

  create(tokenHash: Buffer, expiresAt: number): Promise<void> {
    return settle(() => { this.stInsert.run(tokenHash, expiresAt); });
  }

  find(tokenHash: Buffer): Promise<InvitationRecord | undefined> {
    return settle(() => {
      const row = this.stFind.get(tokenHash);
      return row && { tokenHash: row.token_hash, expiresAt: row.expires_at, used: row.used === 1 };
    });
  }

  take(tokenHash: Buffer, now: number): Promise<boolean> {
    return settle(() => this.stTake.run(tokenHash, now).changes === 1);
  }

  release(tokenHash: Buffer): Promise<void> {
    return settle(() => { this.stRelease.run(tokenHash); });
  }

  deleteExpired(now: number): Promise<number> {
    return settle(() => this.stDeleteExpired.run(now).changes);
  }
}

/** The synchronous call's value or exception as a promise, as the interface promises. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
