import type pg from 'pg';
import type { InvitationRecord, InvitationStore } from '../invitations.js';
import { toNumber } from './mirrored.js';

interface Row { token_hash: Buffer; expires_at: string; used: boolean }

/** Invitations queried in PostgreSQL directly (migration 005); take() is one atomic UPDATE, whichever node runs it. */
export class PostgresInvitationStore implements InvitationStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(tokenHash: Buffer, expiresAt: number): Promise<void> {
    await this.pool.query('INSERT INTO invitations (token_hash, expires_at) VALUES ($1, $2)', [tokenHash, expiresAt]);
  }

  async find(tokenHash: Buffer): Promise<InvitationRecord | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT token_hash, expires_at, used FROM invitations WHERE token_hash = $1', [tokenHash]);
    const row = rows[0];
    return row && { tokenHash: row.token_hash, expiresAt: toNumber(row.expires_at), used: row.used };
  }

  async take(tokenHash: Buffer, now: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE invitations SET used = true WHERE token_hash = $1 AND NOT used AND expires_at > $2', [tokenHash, now]);
    return result.rowCount === 1;
  }

  async release(tokenHash: Buffer): Promise<void> {
    await this.pool.query('UPDATE invitations SET used = false WHERE token_hash = $1', [tokenHash]);
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.pool.query('DELETE FROM invitations WHERE expires_at <= $1', [now]);
    return result.rowCount ?? 0;
  }
}
