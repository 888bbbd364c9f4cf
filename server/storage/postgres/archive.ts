/**
 * The room archive (storage/archive.ts) on PostgreSQL, for servers whose storage is there
 * (a cluster). Its table is migration 002-room-archive; search is archive-search.ts.
 *
 * History on join (`recent`) is answered from memory (archive-tail.ts): a join is handled
 * synchronously and in order, and cannot wait for the network. Everything else reads the
 * database.
 *
 * Writes go through one ordered queue: appends are gathered for a tick and written as one
 * INSERT (archive-rows.ts), and retractions and deletions take their turn behind them, so
 * the database sees every change in the order it was made here. A read of a room first waits
 * for that room's pending writes (and for pending writes that touch every room), so it sees
 * what was appended before it.
 *
 * What a delivered message promises ([muc].archive_commit_delay = 0, the default): append
 * returns a Promise that resolves once the batch holding the message is committed, and
 * rejects with a StanzaError for its sender when the commit failed; the MUC delivers the
 * message only after it resolves (muc/ordered-delivery.ts), so no message anyone saw is
 * missing from the archive when this process is killed. With a delay, appends are written
 * behind, as in the SQLite store. [muc].archive_fsync = false commits with synchronous_commit off: the
 * commit survives the death of this process, not a crash of the PostgreSQL server itself,
 * as SQLite's relaxed sync survives a crash of the process but not a power cut.
 */
import { parse } from 'ltx';
import type pg from 'pg';
import type { Element } from '../../xml/element.js';
import {
  MAX_RECENT, archiveRefusal, storedMessage,
  type ArchiveEdge, type ArchiveEntry, type ArchiveFilter, type ArchivePage, type ArchiveStore, type ArchiveWriteFailure,
  type ArchivedMessage, type PageRequest, type StoredArchivedMessage,
} from '../archive.js';
import { searchableText } from '../search.js';
import { indexedText } from './archive-search.js';
import { insertArchiveRows, trimRooms, type ArchiveRow, type ArchiveTable } from './archive-rows.js';
import { queryArchive } from './archive-query.js';
import { RecentTails, type TailEntry } from './archive-tail.js';

/** Appends beyond this go into the next INSERT. */
const MAX_BATCH = 1000;
const DEFAULT_MAX_WAITING = 20 * MAX_BATCH;
/** SQLSTATE class 53: insufficient resources (disk full, out of memory, too many connections). */
const OUT_OF_RESOURCES = /^53/;

export interface PostgresArchiveOptions {
  /** The rooms' archive (default) or the accounts' one-to-one archive (same columns, migration 004). */
  table?: ArchiveTable;
  /**
   * Messages per room kept in memory for history on join: the longest history a room may
   * ask for (start-up passes maxHistoryLength of [muc]); at most MAX_RECENT.
   */
  recentPerRoom: number;
  /** [muc].archive_max_messages: messages kept per room; past it the oldest go. Default: no cap. */
  maxMessagesPerRoom?: number;
  /** [muc].archive_fsync: commit archive writes with synchronous_commit on (default off). */
  fsync?: boolean;
  /**
   * [muc].archive_commit_delay: 0 (the default) commits each turn's appends before they may be
   * delivered; more writes behind: append returns nothing (deliver at once) and the batch is
   * committed that long after its first message, so a crash loses up to that window.
   */
  commitDelayMs?: number;
  /**
   * Appends waiting for PostgreSQL beyond this are refused at once (resource-constraint), so
   * that a database that stops answering costs bounded memory (default 20 000).
   */
  maxWaitingAppends?: number;
  /** A batch of appends that could not be committed: refused to their senders, or already delivered (written behind). */
  onWriteError?: ArchiveWriteFailure;
  /** A retraction or deletion that could not be written. */
  onMaintenanceError?: (error: unknown, operation: string) => void;
}

export interface PostgresArchiveStore extends ArchiveStore {
  flush(): Promise<void>;
  /** Reloads a room's history tail from the database (a node that takes over a room another node served). */
  loadRecent(room: string): Promise<void>;
}

/** Opens the archive on a migrated database, loading every room's history tail in one query. */
export async function openPostgresArchive(pool: pg.Pool, options: PostgresArchiveOptions): Promise<PostgresArchiveStore> {
  const store = new PostgresArchive(pool, options);
  await store.loadAllRecent();
  return store;
}

interface Batch {
  rows: ArchiveRow[];
  /** room and id of each row, so that a repeated id within one batch keeps the first. */
  keys: Set<string>;
  committed: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

interface TailRow { room: string; id: string; timestamp: string; stanza: string; retracted: boolean }

class PostgresArchive implements PostgresArchiveStore {
  private readonly tails: RecentTails;
  /** The last write queued: every write starts after the one before has finished. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The batch that appends join until it starts. */
  private batch: Batch | null = null;
  /** What a read of a room waits for: its last pending write, and the last pending write to every room. */
  private readonly pendingByRoom = new Map<string, Promise<unknown>>();
  private pendingForAll: Promise<unknown> = Promise.resolve();
  private readonly tailSize: number;
  private readonly writesBehind: boolean;
  /** Appended rows not yet committed (or failed). */
  private waiting = 0;
  private readonly table: ArchiveTable;

  constructor(private readonly pool: pg.Pool, private readonly options: PostgresArchiveOptions) {
    this.tailSize = Math.max(0, Math.min(options.recentPerRoom, MAX_RECENT, options.maxMessagesPerRoom ?? Infinity));
    this.tails = new RecentTails(this.tailSize);
    this.writesBehind = (options.commitDelayMs ?? 0) > 0;
    this.table = options.table ?? 'room_archive';
  }

  async loadAllRecent(): Promise<void> {
    if (this.tailSize === 0) return;
    const { rows } = await this.pool.query<TailRow>(
      `SELECT room, id, timestamp, stanza, retracted FROM (
         SELECT room, id, timestamp, stanza, retracted, seq,
                row_number() OVER (PARTITION BY room ORDER BY seq DESC) AS n
           FROM ${this.table}) latest
        WHERE n <= $1 ORDER BY room, seq`, [this.tailSize]);
    const byRoom = new Map<string, TailEntry[]>();
    for (const row of rows) {
      const entries = byRoom.get(row.room) ?? [];
      entries.push(tailEntry(row));
      byRoom.set(row.room, entries);
    }
    for (const [room, entries] of byRoom) this.tails.replace(room, entries);
  }

  async loadRecent(room: string): Promise<void> {
    await this.pendingFor(room);
    const { rows } = await this.pool.query<TailRow>(
      `SELECT room, id, timestamp, stanza, retracted FROM ${this.table} WHERE room = $1 ORDER BY seq DESC LIMIT $2`,
      [room, this.tailSize]);
    this.tails.replace(room, rows.reverse().map(tailEntry));
  }

  append(room: string, entry: ArchiveEntry): Promise<void> | undefined {
    // Serialised now: the caller goes on to send (and may change) the element.
    const stanza = entry.stanza.toString();
    const row: ArchiveRow = {
      room, id: entry.id, timestamp: entry.timestamp, nick: entry.nick, occupantId: entry.occupantId,
      stanza, words: indexedText(searchableText(entry.stanza)), retracted: false,
    };
    // A repeated id keeps the first message (MAM ids are never reused); one older than the
    // tail is caught by the INSERT, and leaves the tail when the batch commits.
    if (this.waiting >= (this.options.maxWaitingAppends ?? DEFAULT_MAX_WAITING)) return this.refuseAtOnce();
    const key = `${room}\n${row.id}`;
    if (this.batch?.keys.has(key)) return this.deliverAfter(this.batch);
    if (!this.tails.add(room, { id: row.id, timestamp: row.timestamp, text: stanza, retracted: false })) return this.deliverAfter(null);
    const batch = this.batch ?? this.startBatch();
    batch.rows.push(row);
    batch.keys.add(key);
    this.waiting++;
    if (batch.rows.length >= MAX_BATCH) this.batch = null;
    this.pendingByRoom.set(room, batch.committed);
    return this.deliverAfter(batch);
  }

  /** What append returns: the commit to wait for before delivery, or nothing when writing behind. */
  private deliverAfter(batch: Batch | null): Promise<void> | undefined {
    if (this.writesBehind) return undefined;
    return batch ? batch.committed : Promise.resolve();
  }

  recent(room: string, max: number): ArchivedMessage[] {
    return this.tails.recent(room, Math.min(Math.trunc(max), MAX_RECENT));
  }

  retract(room: string, id: string, tombstone: (original: Element) => Element): void {
    const kept = this.tails.find(room, id);
    if (kept?.retracted) return;
    // The tombstone is made once: from the tail when it holds the message, else from the stored row.
    let dead: string | undefined;
    if (kept) {
      dead = tombstone(parse(kept.text)).toString();
      kept.text = dead;
      kept.retracted = true;
    }
    this.maintain('retraction', [room], async (client) => {
      const { rows } = await client.query<{ seq: string; stanza: string; retracted: boolean }>(
        `SELECT seq, stanza, retracted FROM ${this.table} WHERE room = $1 AND id = $2 FOR UPDATE`, [room, id]);
      const row = rows[0];
      if (!row || row.retracted) return;
      dead ??= tombstone(parse(row.stanza)).toString();
      await client.query(`UPDATE ${this.table} SET stanza = $1, retracted = true, search = NULL WHERE seq = $2`, [dead, row.seq]);
    });
  }

  async get(room: string, id: string): Promise<StoredArchivedMessage | undefined> {
    await this.pendingFor(room);
    const { rows } = await this.pool.query<{ id: string; stanza: string; timestamp: string; nick: string; occupant_id: string; retracted: boolean }>(
      `SELECT id, stanza, timestamp, nick, occupant_id, retracted FROM ${this.table} WHERE room = $1 AND id = $2`, [room, id]);
    const row = rows[0];
    if (!row) return undefined;
    return {
      id: row.id, stanza: parse(row.stanza), text: row.stanza, timestamp: Number(row.timestamp),
      nick: row.nick, occupantId: row.occupant_id, retracted: row.retracted,
    };
  }

  async query(room: string, filter: ArchiveFilter, page: PageRequest): Promise<ArchivePage> {
    await this.pendingFor(room);
    return queryArchive(this.pool, room, filter, page,
      (row) => storedMessage(row.id, row.stanza, row.timestamp), this.table);
  }

  async edges(room: string): Promise<{ start: ArchiveEdge; end: ArchiveEdge } | undefined> {
    await this.pendingFor(room);
    const { rows } = await this.pool.query<{ id: string; timestamp: string }>(
      `(SELECT id, timestamp FROM ${this.table} WHERE room = $1 ORDER BY seq ASC LIMIT 1)
       UNION ALL
       (SELECT id, timestamp FROM ${this.table} WHERE room = $1 ORDER BY seq DESC LIMIT 1)`, [room]);
    const [start, end] = rows.map((row) => ({ id: row.id, timestamp: Number(row.timestamp) }));
    return start && end ? { start, end } : undefined;
  }

  expire(cutoff: number, limit: number): Promise<number> {
    return this.write('all', async (client) => {
      const { rows } = await client.query<{ room: string; id: string }>(
        `DELETE FROM ${this.table} WHERE seq IN
           (SELECT seq FROM ${this.table} WHERE timestamp < $1 ORDER BY timestamp, seq LIMIT $2)
         RETURNING room, id`, [cutoff, Math.max(0, limit)]);
      return rows;
    }).then((gone) => {
      this.tails.remove(gone);
      return gone.length;
    });
  }

  deleteRoom(room: string): void {
    this.tails.deleteRoom(room);
    this.maintain('deleting a room', [room], (client) => client.query(`DELETE FROM ${this.table} WHERE room = $1`, [room]));
  }

  deleteRoomsExcept(domain: string, keep: readonly string[]): Promise<number> {
    const kept = new Set(keep);
    for (const room of [...this.tails.roomNames()]) {
      if (domainOf(room) === domain && !kept.has(room)) this.tails.deleteRoom(room);
    }
    return this.write('all', async (client) => {
      const result = await client.query(
        `DELETE FROM ${this.table} WHERE substr(room, strpos(room, '@') + 1) = $1 AND NOT (room = ANY($2::text[]))`,
        [domain, keep]);
      return result.rowCount ?? 0;
    });
  }

  /** Resolves once everything queued so far (and anything queued meanwhile) is written. */
  async flush(): Promise<void> {
    let last: Promise<unknown>;
    do {
      last = this.queue;
      await last;
    } while (this.queue !== last);
  }

  /** A batch starts on the next turn of the event loop, after the write before it. */
  private startBatch(): Batch {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    // A caller that does not wait for the commit (a test seeding rows) must not leave it unhandled.
    committed.catch(() => {});
    const batch: Batch = { rows: [], keys: new Set(), committed, resolve, reject };
    this.batch = batch;
    const delay = this.options.commitDelayMs ?? 0;
    const nextTurn = new Promise((turn) => (delay > 0 ? setTimeout(turn, delay) : setImmediate(turn)));
    this.queue = Promise.all([this.queue, nextTurn]).then(() => this.commitBatch(batch));
    return batch;
  }

  /** Writes a batch; never rejects (the batch's own promise carries the outcome). */
  private async commitBatch(batch: Batch): Promise<void> {
    if (this.batch === batch) this.batch = null;
    try {
      await this.writeBatch(batch);
    } finally {
      this.waiting -= batch.rows.length;
    }
  }

  /** Too many appends wait for the database already: this one is not stored. */
  private refuseAtOnce(): Promise<void> | undefined {
    const error = new Error(`${this.waiting} archived messages are waiting for PostgreSQL already`);
    this.report(() => this.options.onWriteError?.(error, 1, this.writesBehind));
    if (this.writesBehind) return undefined;
    const refused = Promise.reject(archiveRefusal(true));
    refused.catch(() => {});
    return refused;
  }

  private async writeBatch(batch: Batch): Promise<void> {
    const cap = this.options.maxMessagesPerRoom;
    try {
      const inserted = await this.transaction(async (client) => {
        const rows = await insertArchiveRows(client, batch.rows, this.table);
        if (cap !== undefined) await trimRooms(client, [...new Set(batch.rows.map((row) => row.room))], cap, this.table);
        return rows;
      });
      const stored = new Set(inserted.map((row) => `${row.room}\n${row.id}`));
      this.tails.remove(batch.rows.filter((row) => !stored.has(`${row.room}\n${row.id}`)));
      batch.resolve();
    } catch (error) {
      // Not stored: history shows what the archive holds (and, refused, nobody saw them).
      this.tails.remove(batch.rows);
      this.report(() => this.options.onWriteError?.(error, batch.rows.length, this.writesBehind));
      batch.reject(archiveRefusal(OUT_OF_RESOURCES.test(String((error as { code?: unknown }).code))));
    }
  }

  /** Queues a write that touches `rooms` (or every room); its promise carries the outcome. */
  private write<T>(rooms: readonly string[] | 'all', run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const done = this.queue.then(() => this.transaction(run));
    this.queue = done.catch(() => {});
    if (rooms === 'all') this.pendingForAll = this.queue;
    else for (const room of rooms) this.pendingByRoom.set(room, this.queue);
    return done;
  }

  /** A write nobody waits for: its failure is reported. */
  private maintain(operation: string, rooms: readonly string[], run: (client: pg.PoolClient) => Promise<unknown>): void {
    this.write(rooms, run).catch((error: unknown) => this.report(() => this.options.onMaintenanceError?.(error, operation)));
  }

  private async pendingFor(room: string): Promise<void> {
    const pending = this.pendingByRoom.get(room);
    await Promise.all([pending?.catch(() => {}), this.pendingForAll]);
    // Forget what is written, unless a newer write was queued meanwhile.
    if (pending !== undefined && this.pendingByRoom.get(room) === pending) this.pendingByRoom.delete(room);
  }

  private async transaction<T>(run: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(this.options.fsync ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
      const result = await run(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        broken = rollback instanceof Error ? rollback : new Error(String(rollback));
      });
      throw error;
    } finally {
      // A connection that could not even roll back is closed rather than reused.
      client.release(broken);
    }
  }

  /** A reporting callback that throws must not break the write queue. */
  private report(call: () => void): void {
    try {
      call();
    } catch {
      // the failure was the callback's to handle
    }
  }
}

function tailEntry(row: TailRow): TailEntry {
  return { id: row.id, timestamp: Number(row.timestamp), text: row.stanza, retracted: row.retracted };
}

function domainOf(room: string): string {
  return room.slice(room.indexOf('@') + 1);
}
