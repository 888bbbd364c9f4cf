import type { OfflineMessage, OfflineStore } from '../offline.js';
import type { Write } from './write-queue.js';
import type { MemoryOfflineStore } from '../memory/offline.js';
import { groupByKey, keyFilter, mirrorKey, toNumber, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';

const KIND = 'offline';

/**
 * Offline messages: read from the mirror, written behind to offline_messages. Taking them
 * deletes the rows by id, so a message another node added meanwhile stays for the next time.
 */
export class PostgresOfflineStore implements OfflineStore, MirroredKind<OfflineMessage[]> {
  readonly kind = KIND;

  constructor(private readonly mirror: MemoryOfflineStore, private readonly writer: MirrorWriter) {}

  add(owner: string, message: OfflineMessage, cap: number): boolean {
    this.writer.admit();
    if (!this.mirror.add(owner, message, cap)) return false;
    const { id, timestamp, stanza } = message;
    this.write(owner, (db) => db.query(
      'INSERT INTO offline_messages (owner, id, timestamp, stanza) VALUES ($1, $2, $3, $4) ON CONFLICT (owner, id) DO NOTHING',
      [owner, id, timestamp, stanza]));
    return true;
  }

  count(owner: string): number {
    return this.mirror.count(owner);
  }

  take(owner: string): OfflineMessage[] {
    const held = this.mirror.take(owner);
    if (held.length === 0) return held;
    this.writer.admit();
    const ids = held.map((message) => message.id);
    this.write(owner, (db) => db.query('DELETE FROM offline_messages WHERE owner = $1 AND id = ANY($2::text[])', [owner, ids]));
    return held;
  }

  expire(cutoff: number, limit: number): number {
    this.writer.admit();
    const gone = this.mirror.removeOlderThan(cutoff, limit);
    const byOwner = new Map<string, string[]>();
    for (const { owner, id } of gone) byOwner.set(owner, [...(byOwner.get(owner) ?? []), id]);
    for (const [owner, ids] of byOwner) {
      this.write(owner, (db) => db.query('DELETE FROM offline_messages WHERE owner = $1 AND id = ANY($2::text[])', [owner, ids]));
    }
    return gone.length;
  }

  deleteUser(owner: string): void {
    this.writer.admit();
    this.mirror.deleteUser(owner);
    this.write(owner, (db) => db.query('DELETE FROM offline_messages WHERE owner = $1', [owner]));
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, OfflineMessage[]>> {
    const { where, params } = keyFilter(['owner'], keys);
    const { rows } = await db.query<{ owner: string; id: string; stanza: string; timestamp: string }>(
      `SELECT owner, id, stanza, timestamp FROM offline_messages${where} ORDER BY seq`, params);
    return groupByKey(rows, (row) => [row.owner], new Map<string, OfflineMessage[]>(), (held = [], row) => {
      held.push({ id: row.id, stanza: row.stanza, timestamp: toNumber(row.timestamp) });
      return held;
    });
  }

  replace([owner]: KeyParts, held: OfflineMessage[] | undefined): void {
    this.mirror.restore(owner!, held);
  }

  keys(): KeyParts[] {
    return this.mirror.ownerNames().map((owner) => [owner]);
  }

  private write(owner: string, write: Write): void {
    this.writer.write([mirrorKey(KIND, [owner])], write);
  }
}
