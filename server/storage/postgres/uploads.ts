import type { UploadRecord, UploadStore } from '../uploads.js';
import type { MemoryUploadStore } from '../memory/uploads.js';
import type { Write } from './write-queue.js';
import { encodeParts, keyFilter, mirrorKey, toNumber, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';

interface Row {
  id: string;
  secret_hash: Buffer;
  uploader: string;
  file_name: string;
  size: string;
  content_type: string;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
}

const KIND = 'upload';
const COLUMNS = 'id, secret_hash, uploader, file_name, size, content_type, created_at, expires_at, completed_at';

/** Upload records: read from the mirror (quota sums included), written behind to uploads. */
export class PostgresUploadStore implements UploadStore, MirroredKind<UploadRecord> {
  readonly kind = KIND;

  constructor(private readonly mirror: MemoryUploadStore, private readonly writer: MirrorWriter) {}

  add(record: UploadRecord): void {
    this.writer.admit();
    this.mirror.add(record);
    const r = { ...record };
    this.write(r.id, (db) => db.query(`INSERT INTO uploads (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [r.id, r.secretHash, r.uploader, r.fileName, r.size, r.contentType, r.createdAt, r.expiresAt, r.completedAt]));
  }

  get(id: string): UploadRecord | undefined {
    return this.mirror.get(id);
  }

  has(id: string): boolean {
    return this.mirror.has(id);
  }

  complete(id: string, completedAt: number, expiresAt: number): boolean {
    this.writer.admit();
    if (!this.mirror.complete(id, completedAt, expiresAt)) return false;
    this.write(id, (db) => db.query('UPDATE uploads SET completed_at = $1, expires_at = $2 WHERE id = $3 AND completed_at IS NULL', [completedAt, expiresAt, id]));
    return true;
  }

  delete(id: string): boolean {
    this.writer.admit();
    if (!this.mirror.delete(id)) return false;
    this.write(id, (db) => db.query('DELETE FROM uploads WHERE id = $1', [id]));
    return true;
  }

  bytesBy(uploader: string, since: number, now: number): number {
    return this.mirror.bytesBy(uploader, since, now);
  }

  oldestBy(uploader: string, since: number, now: number): number | undefined {
    return this.mirror.oldestBy(uploader, since, now);
  }

  bytesStored(now: number): number {
    return this.mirror.bytesStored(now);
  }

  expired(now: number, limit: number): UploadRecord[] {
    return this.mirror.expired(now, limit);
  }

  /** Another node may have made or completed the record a moment ago: read it again. */
  async fetch(id: string): Promise<UploadRecord | undefined> {
    await this.writer.reread([mirrorKey(KIND, [id])]);
    return this.mirror.get(id);
  }

  committed(): Promise<void> {
    return this.writer.committed();
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, UploadRecord>> {
    const { where, params } = keyFilter(['id'], keys);
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM uploads${where}`, params);
    return new Map(rows.map((row) => [encodeParts([row.id]), {
      id: row.id,
      secretHash: row.secret_hash,
      uploader: row.uploader,
      fileName: row.file_name,
      size: toNumber(row.size),
      contentType: row.content_type,
      createdAt: toNumber(row.created_at),
      expiresAt: toNumber(row.expires_at),
      completedAt: row.completed_at === null ? null : toNumber(row.completed_at),
    }]));
  }

  replace([id]: KeyParts, record: UploadRecord | undefined): void {
    this.mirror.restore(id!, record);
  }

  keys(): KeyParts[] {
    return this.mirror.ids().map((id) => [id]);
  }

  private write(id: string, write: Write): void {
    this.writer.write([mirrorKey(KIND, [id])], write);
  }
}
