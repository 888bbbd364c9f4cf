import type pg from 'pg';
import type { Roster, RosterItem, RosterStore, Subscription } from '../types.js';
import type { MemoryRosterStore } from '../memory/rosters.js';
import type { Write } from './write-queue.js';
import { groupByKey, keyFilter, mirrorKey, toNumber, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';

interface RosterState {
  version: number;
  items: RosterItem[];
  pending: { from: string; stanza: string }[];
}

interface ItemRow {
  owner: string;
  contact: string;
  name: string | null;
  subscription: Subscription;
  ask: boolean;
  approved: boolean;
  groups: string[];
}

const KIND = 'roster';
const KEY_COLUMNS = ['owner'];

/**
 * Roster versions for several writers. A change gives the roster the version
 * max(its version + 1, the last this node issued + 1, the clock in milliseconds): per user
 * it only grows, whoever wrote before (a node that re-read another node's change continues
 * from it), and a user deleted and created again starts above any version the clock has
 * passed, so a client's cached copy of the old roster never looks current. Two nodes
 * changing one roster within the same few milliseconds may both hand out one number for two
 * different rosters; the last commit wins the stored version, and a client that cached the
 * loser's version gets the whole roster once more at its next login (never a stale one
 * marked current, as long as the two rosters differ in the cached item).
 */
export function rosterVersionClock(now: () => number = Date.now): (current: number) => number {
  let last = 0;
  return (current) => (last = Math.max(current + 1, last + 1, now()));
}

/** Rosters: read from the mirror, written behind to roster_items, roster_versions and roster_pending_in. */
export class PostgresRosterStore implements RosterStore, MirroredKind<RosterState> {
  readonly kind = KIND;

  constructor(private readonly mirror: MemoryRosterStore, private readonly writer: MirrorWriter) {}

  get(user: string): Roster {
    return this.mirror.get(user);
  }

  getItem(user: string, contact: string): RosterItem | undefined {
    return this.mirror.getItem(user, contact);
  }

  putItem(user: string, item: RosterItem): number {
    this.writer.admit();
    const version = this.mirror.putItem(user, item);
    const stored = this.mirror.getItem(user, item.jid)!;
    this.write(user, async (db) => {
      await db.query(
        `INSERT INTO roster_items (owner, contact, name, subscription, ask, approved, groups) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (owner, contact) DO UPDATE SET name = excluded.name, subscription = excluded.subscription,
           ask = excluded.ask, approved = excluded.approved, groups = excluded.groups`,
        [user, stored.jid, stored.name ?? null, stored.subscription, stored.ask === true, stored.approved === true, stored.groups]);
      await setVersion(db, user, version);
    });
    return version;
  }

  removeItem(user: string, contact: string): number {
    this.writer.admit();
    if (!this.mirror.getItem(user, contact)) return this.mirror.removeItem(user, contact);
    const version = this.mirror.removeItem(user, contact);
    this.write(user, async (db) => {
      await db.query('DELETE FROM roster_items WHERE owner = $1 AND contact = $2', [user, contact]);
      await setVersion(db, user, version);
    });
    return version;
  }

  pendingIn(user: string): { from: string; stanza: string }[] {
    return this.mirror.pendingIn(user);
  }

  addPendingIn(user: string, from: string, stanza: string): void {
    this.writer.admit();
    this.mirror.addPendingIn(user, from, stanza);
    const createdAt = Date.now();
    // A repeated request keeps its place (its seq) but stores the latest stanza.
    this.write(user, (db) => db.query(
      `INSERT INTO roster_pending_in (owner, sender, stanza, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (owner, sender) DO UPDATE SET stanza = excluded.stanza`, [user, from, stanza, createdAt]));
  }

  removePendingIn(user: string, from: string): void {
    this.writer.admit();
    this.mirror.removePendingIn(user, from);
    this.write(user, (db) => db.query('DELETE FROM roster_pending_in WHERE owner = $1 AND sender = $2', [user, from]));
  }

  deleteUser(user: string): void {
    this.writer.admit();
    this.mirror.deleteUser(user);
    this.write(user, async (db) => {
      for (const table of ['roster_items', 'roster_pending_in', 'roster_versions']) {
        await db.query(`DELETE FROM ${table} WHERE owner = $1`, [user]);
      }
    });
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, RosterState>> {
    const { where, params } = keyFilter(KEY_COLUMNS, keys);
    const versions = await db.query<{ owner: string; version: string }>(`SELECT owner, version FROM roster_versions${where}`, params);
    const items = await db.query<ItemRow>(`SELECT owner, contact, name, subscription, ask, approved, groups FROM roster_items${where}`, params);
    const pending = await db.query<{ owner: string; sender: string; stanza: string }>(`SELECT owner, sender, stanza FROM roster_pending_in${where} ORDER BY seq`, params);
    const entries = new Map<string, RosterState>();
    const empty = (): RosterState => ({ version: 0, items: [], pending: [] });
    groupByKey(versions.rows, (row) => [row.owner], entries, (state, row) => ({ ...(state ?? empty()), version: toNumber(row.version) }));
    groupByKey(items.rows, (row) => [row.owner], entries, (state = empty(), row) => {
      const item: RosterItem = { jid: row.contact, subscription: row.subscription, groups: row.groups };
      if (row.name !== null) item.name = row.name;
      if (row.ask) item.ask = true;
      if (row.approved) item.approved = true;
      state.items.push(item);
      return state;
    });
    groupByKey(pending.rows, (row) => [row.owner], entries, (state = empty(), row) => {
      state.pending.push({ from: row.sender, stanza: row.stanza });
      return state;
    });
    return entries;
  }

  replace([user]: KeyParts, state: RosterState | undefined): void {
    this.mirror.restore(user!, state);
  }

  keys(): KeyParts[] {
    return this.mirror.owners().map((owner) => [owner]);
  }

  private write(user: string, write: Write): void {
    this.writer.write([mirrorKey(KIND, [user])], write);
  }
}

function setVersion(db: pg.ClientBase, user: string, version: number): Promise<unknown> {
  return db.query(
    'INSERT INTO roster_versions (owner, version) VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET version = excluded.version',
    [user, version]);
}
