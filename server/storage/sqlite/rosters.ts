import type { Statement } from 'better-sqlite3';
import type { Roster, RosterItem, RosterStore, Subscription } from '../types.js';
import type { Database } from './database.js';

interface ItemRow {
  contact: string;
  name: string | null;
  subscription: Subscription;
  ask: number;
  approved: number;
  groups_json: string;
}

const ITEM_COLUMNS = 'contact, name, subscription, ask, approved, groups_json';

/**
 * Rosters in SQLite. Every change takes the next value of one global counter as the
 * user's new roster version: per user the version strictly increases, and no number is
 * ever reused for the same JID after the user is deleted and recreated (a client holding
 * a cached roster for the old account would otherwise see "up to date").
 */
export class SqliteRosterStore implements RosterStore {
  private readonly stVersion: Statement<[string], { version: number }>;
  private readonly stItems: Statement<[string], ItemRow>;
  private readonly stItem: Statement<[string, string], ItemRow>;
  private readonly stPut: Statement<[string, string, string | null, string, number, number, string]>;
  private readonly stRemove: Statement<[string, string]>;
  private readonly stNextSeq: Statement<[], { value: number }>;
  private readonly stSetVersion: Statement<[string, number]>;
  private readonly stPending: Statement<[string], { sender: string; stanza: string }>;
  private readonly stAddPending: Statement<[string, string, string, number]>;
  private readonly stRemovePending: Statement<[string, string]>;
  private readonly stDeleteItems: Statement<[string]>;
  private readonly stDeletePending: Statement<[string]>;
  private readonly stDeleteVersion: Statement<[string]>;

  constructor(private readonly db: Database) {
    this.stVersion = db.prepare('SELECT version FROM roster_versions WHERE user = ?');
    // Ordered by contact (BINARY collation: UTF-8 byte order) for a stable listing.
    this.stItems = db.prepare(`SELECT ${ITEM_COLUMNS} FROM roster_items WHERE user = ? ORDER BY contact`);
    this.stItem = db.prepare(`SELECT ${ITEM_COLUMNS} FROM roster_items WHERE user = ? AND contact = ?`);
    this.stPut = db.prepare(
      `INSERT OR REPLACE INTO roster_items (user, contact, name, subscription, ask, approved, groups_json)
       VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.stRemove = db.prepare('DELETE FROM roster_items WHERE user = ? AND contact = ?');
    this.stNextSeq = db.prepare('UPDATE roster_version_seq SET value = value + 1 WHERE id = 1 RETURNING value');
    this.stSetVersion = db.prepare(
      `INSERT INTO roster_versions (user, version) VALUES (?, ?)
       ON CONFLICT (user) DO UPDATE SET version = excluded.version`);
    this.stPending = db.prepare(
      'SELECT sender, stanza FROM roster_pending_in WHERE user = ? ORDER BY rowid');
    // A repeated request keeps its place in the queue but stores the latest stanza.
    this.stAddPending = db.prepare(
      `INSERT INTO roster_pending_in (user, sender, stanza, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user, sender) DO UPDATE SET stanza = excluded.stanza`);
    this.stRemovePending = db.prepare('DELETE FROM roster_pending_in WHERE user = ? AND sender = ?');
    this.stDeleteItems = db.prepare('DELETE FROM roster_items WHERE user = ?');
    this.stDeletePending = db.prepare('DELETE FROM roster_pending_in WHERE user = ?');
    this.stDeleteVersion = db.prepare('DELETE FROM roster_versions WHERE user = ?');
  }

  get(user: string): Roster {
    return this.db.transaction(() => ({
      version: this.version(user),
      items: this.stItems.all(user).map(rowToItem),
    }))();
  }

  getItem(user: string, contact: string): RosterItem | undefined {
    const row = this.stItem.get(user, contact);
    return row ? rowToItem(row) : undefined;
  }

  putItem(user: string, item: RosterItem): number {
    return this.db.transaction(() => {
      this.stPut.run(
        user, item.jid, item.name ?? null, item.subscription,
        item.ask ? 1 : 0, item.approved ? 1 : 0, JSON.stringify([...item.groups]),
      );
      return this.bump(user);
    })();
  }

  removeItem(user: string, contact: string): number {
    return this.db.transaction(() => {
      if (this.stRemove.run(user, contact).changes === 0) return this.version(user);
      return this.bump(user);
    })();
  }

  pendingIn(user: string): { from: string; stanza: string }[] {
    return this.stPending.all(user).map((r) => ({ from: r.sender, stanza: r.stanza }));
  }

  addPendingIn(user: string, from: string, stanza: string): void {
    this.stAddPending.run(user, from, stanza, Date.now());
  }

  removePendingIn(user: string, from: string): void {
    this.stRemovePending.run(user, from);
  }

  deleteUser(user: string): void {
    this.db.transaction(() => {
      this.stDeleteItems.run(user);
      this.stDeletePending.run(user);
      this.stDeleteVersion.run(user);
    })();
  }

  private version(user: string): number {
    return this.stVersion.get(user)?.version ?? 0;
  }

  private bump(user: string): number {
    const next = this.stNextSeq.get();
    if (!next) throw new Error('roster_version_seq row missing');
    this.stSetVersion.run(user, next.value);
    return next.value;
  }
}

function rowToItem(row: ItemRow): RosterItem {
  const item: RosterItem = {
    jid: row.contact,
    subscription: row.subscription,
    groups: parseGroups(row.groups_json),
  };
  if (row.name !== null) item.name = row.name;
  if (row.ask) item.ask = true;
  if (row.approved) item.approved = true;
  return item;
}

function parseGroups(json: string): string[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every((g) => typeof g === 'string')) {
    throw new Error('corrupt roster groups column');
  }
  return value;
}
