import type { UserDataStore } from '../types.js';
import type { MemoryUserDataStore } from '../memory/user-data.js';
import { groupByKey, keyFilter, mirrorKey, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';

const KIND = 'user_data';

/** Per-user documents: read from the mirror, written behind to user_data. */
export class PostgresUserDataStore implements UserDataStore, MirroredKind<Map<string, string>> {
  readonly kind = KIND;

  constructor(private readonly mirror: MemoryUserDataStore, private readonly writer: MirrorWriter) {}

  get(user: string, key: string): string | undefined {
    return this.mirror.get(user, key);
  }

  set(user: string, key: string, value: string | null): void {
    this.writer.admit();
    this.mirror.set(user, key, value);
    const updatedAt = Date.now();
    this.writer.write([mirrorKey(KIND, [user])], (db) => value === null
      ? db.query('DELETE FROM user_data WHERE owner = $1 AND key = $2', [user, key])
      : db.query(
        `INSERT INTO user_data (owner, key, value, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (owner, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [user, key, value, updatedAt]));
  }

  deleteUser(user: string): void {
    this.writer.admit();
    this.mirror.deleteUser(user);
    this.writer.write([mirrorKey(KIND, [user])], (db) => db.query('DELETE FROM user_data WHERE owner = $1', [user]));
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, Map<string, string>>> {
    const { where, params } = keyFilter(['owner'], keys);
    const { rows } = await db.query<{ owner: string; key: string; value: string }>(`SELECT owner, key, value FROM user_data${where}`, params);
    return groupByKey(rows, (row) => [row.owner], new Map<string, Map<string, string>>(), (documents = new Map(), row) => documents.set(row.key, row.value));
  }

  replace([user]: KeyParts, documents: Map<string, string> | undefined): void {
    this.mirror.restore(user!, documents);
  }

  keys(): KeyParts[] {
    return this.mirror.owners().map((owner) => [owner]);
  }
}
