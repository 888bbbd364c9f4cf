import type { Statement } from 'better-sqlite3';
import type { UploadRecord, UploadStore } from '../uploads.js';
import type { Database } from './database.js';

interface Row {
  id: string;
  secret_hash: Buffer;
  uploader: string;
  file_name: string;
  size: number;
  content_type: string;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
}

const COLUMNS = 'id, secret_hash, uploader, file_name, size, content_type, created_at, expires_at, completed_at';

export class SqliteUploadStore implements UploadStore {
  private readonly stAdd: Statement<[string, Buffer, string, string, number, string, number, number, number | null]>;
  private readonly stGet: Statement<[string], Row>;
  private readonly stComplete: Statement<[number, number, string]>;
  private readonly stDelete: Statement<[string]>;
  private readonly stBytesBy: Statement<[string, number, number], { total: number }>;
  private readonly stOldestBy: Statement<[string, number, number], { oldest: number | null }>;
  private readonly stBytesStored: Statement<[number], { total: number }>;
  private readonly stExpired: Statement<[number, number], Row>;

  constructor(db: Database) {
    this.stAdd = db.prepare(`INSERT INTO uploads (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.stGet = db.prepare(`SELECT ${COLUMNS} FROM uploads WHERE id = ?`);
    this.stComplete = db.prepare(
      'UPDATE uploads SET completed_at = ?, expires_at = ? WHERE id = ? AND completed_at IS NULL');
    this.stDelete = db.prepare('DELETE FROM uploads WHERE id = ?');
    this.stBytesBy = db.prepare(
      'SELECT COALESCE(SUM(size), 0) AS total FROM uploads WHERE uploader = ? AND created_at >= ? AND expires_at > ?');
    this.stOldestBy = db.prepare(
      'SELECT MIN(created_at) AS oldest FROM uploads WHERE uploader = ? AND created_at >= ? AND expires_at > ?');
    this.stBytesStored = db.prepare('SELECT COALESCE(SUM(size), 0) AS total FROM uploads WHERE expires_at > ?');
    this.stExpired = db.prepare(
      `SELECT ${COLUMNS} FROM uploads WHERE expires_at <= ? ORDER BY expires_at LIMIT ?`);
  }

  add(r: UploadRecord): void {
    this.stAdd.run(r.id, r.secretHash, r.uploader, r.fileName, r.size, r.contentType, r.createdAt, r.expiresAt, r.completedAt);
  }

  get(id: string): UploadRecord | undefined {
    const row = this.stGet.get(id);
    return row && fromRow(row);
  }

  has(id: string): boolean {
    return this.stGet.get(id) !== undefined;
  }

  complete(id: string, completedAt: number, expiresAt: number): boolean {
    return this.stComplete.run(completedAt, expiresAt, id).changes === 1;
  }

  delete(id: string): boolean {
    return this.stDelete.run(id).changes === 1;
  }

  bytesBy(uploader: string, since: number, now: number): number {
    return this.stBytesBy.get(uploader, since, now)?.total ?? 0;
  }

  oldestBy(uploader: string, since: number, now: number): number | undefined {
    return this.stOldestBy.get(uploader, since, now)?.oldest ?? undefined;
  }

  bytesStored(now: number): number {
    return this.stBytesStored.get(now)?.total ?? 0;
  }

  expired(now: number, limit: number): UploadRecord[] {
    return this.stExpired.all(now, limit).map(fromRow);
  }
}

function fromRow(row: Row): UploadRecord {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    uploader: row.uploader,
    fileName: row.file_name,
    size: row.size,
    contentType: row.content_type,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    completedAt: row.completed_at,
  };
}
