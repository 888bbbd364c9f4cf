import type { SecretStore } from '../secrets.js';
import type { MemorySecretStore } from '../memory/secrets.js';
import { encodeParts, keyFilter, mirrorKey, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';

/**
 * Named random keys (server_secrets by purpose, muc_secrets by MUC host), created on first
 * use. Two nodes creating the same key at once both insert with ON CONFLICT DO NOTHING: the
 * first commit wins, and the other node, notified while its own insert was queued, re-reads
 * the key once that insert has settled and takes the winner's. A fresh database's keys are
 * best created by one node first (the mirror loads every key at open, so only a key nobody
 * has ever used can race).
 */
export class PostgresSecretStore implements SecretStore, MirroredKind<Buffer> {
  constructor(
    readonly kind: string,
    private readonly table: 'server_secrets' | 'muc_secrets',
    private readonly column: 'name' | 'host',
    private readonly mirror: MemorySecretStore,
    private readonly writer: MirrorWriter,
  ) {}

  secret(name: string): Buffer {
    if (this.mirror.has(name)) return this.mirror.secret(name);
    this.writer.admit();
    const secret = this.mirror.secret(name);
    this.writer.write([mirrorKey(this.kind, [name])], (db) =>
      db.query(`INSERT INTO ${this.table} (${this.column}, secret) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [name, secret]));
    return secret;
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, Buffer>> {
    const { where, params } = keyFilter([this.column], keys);
    const { rows } = await db.query<{ name: string; secret: Buffer }>(`SELECT ${this.column} AS name, secret FROM ${this.table}${where}`, params);
    return new Map(rows.map((row) => [encodeParts([row.name]), row.secret]));
  }

  replace([name]: KeyParts, secret: Buffer | undefined): void {
    this.mirror.restore(name!, secret);
  }

  keys(): KeyParts[] {
    return this.mirror.names().map((name) => [name]);
  }
}
