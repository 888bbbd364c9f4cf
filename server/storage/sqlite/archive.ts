/**
 * The archive (storage/archive.ts) in SQLite: the rooms' (tables from migration 005-room-archive) or the accounts' (008-account-archive): appends on every
 * archived groupchat message, the last messages for history on join, filtered and paged
 * queries for MAM, full-text search, retraction tombstones and expiry.
 *
 * Paging walks `seq` (arrival order); clients only ever see ids (stanza-ids), which are
 * turned into seq bounds per query. Every statement is prepared once: the fixed ones in the
 * constructor, the query shapes (which filters are present) in a small cache.
 *
 * What a delivered message promises ([muc].archive_commit_delay, default 0): with no delay,
 * an append is committed before append() returns, so a message its sender sees reflected is
 * in the archive even if the process is killed right after; a commit that fails throws a
 * StanzaError and the message is not sent at all. With a delay, appends are queued and
 * committed together that long after the first (or at once past MAX_QUEUED), which saves
 * CPU in a busy room (bench/RESULTS.md) at the price of losing up to that window on a
 * crash; a failed batch is reported and lost from the archive only (already delivered).
 * Archive commits skip the fsync ([muc].archive_fsync = false: relaxedSync), so a power
 * cut may still undo the latest ones; every other write in this file is fully synchronous.
 *
 * Every read and write that is not an append commits the queue first, so nothing queued is
 * ever invisible to history, MAM, retraction or expiry; whoever closes the database calls
 * flush() first.
 */
import { parse } from 'ltx';
import type { Statement } from 'better-sqlite3';
import type { Element } from '../../xml/element.js';
import {
  ArchiveIdNotFound, MAX_RECENT, archiveRefusal,
  type ArchiveEdge, type ArchiveEntry, type ArchiveFilter, type ArchivePage, type ArchiveStore, type ArchivedMessage,
  type PageRequest, type StoredArchivedMessage, type ArchiveWriteFailure, type SerializedArchiveEntry,
} from '../archive.js';
import { searchableText } from '../search.js';
import { relaxedSync, type Database } from './database.js';
import { StanzaError } from '../../xml/errors.js';
import { toFtsQuery } from './fulltext.js';
/** Appends queued beyond this are committed at once, whatever the delay. */
const MAX_QUEUED = 1000;
/** Distinct query shapes kept prepared; there are a few hundred possible at most. */
const QUERY_CACHE_SIZE = 128;
/** A database that is full (max_page_count) is freed this many times at most before a batch is lost. */
const EVICTION_ATTEMPTS = 8;
/**
 * A room is trimmed to its cap once per this fraction of the cap appended to it, not on every
 * append: finding the cap's edge walks `cap` index entries (about 2 ms at 10 000), so a room
 * may hold up to 1% more than its cap for a while. A small cap is kept exactly.
 */
const TRIM_EVERY_FRACTION = 0.01;

export interface ArchiveLimits {
  /** The table (and its `<table>_fts` index) of this archive: the rooms' (default) or the accounts'. */
  table?: 'room_archive' | 'account_archive';
  /** Messages kept per room; past it the oldest go. Default: no cap. */
  maxMessagesPerRoom?: number;
  /**
   * When the database is full, drop the oldest messages of all rooms to make room instead of
   * losing the new ones: for a store in memory whose size is the cap, never for the one on disk.
   */
  evictOldestWhenFull?: boolean;
}

/** How appends reach the disk ([muc].archive_commit_delay and archive_fsync). */
export interface ArchiveDurability {
  /** Milliseconds an append may wait for others to share its commit; 0 = commit in append(). */
  commitDelayMs: number;
  /** Fsync every archive commit (survives a power cut), not only at checkpoints. */
  fsync: boolean;
}

export type { ArchiveWriteFailure } from '../archive.js';

interface Row { seq: number; id: string; stanza: string; timestamp: number }
type Params = Record<string, string | number>;

export class SqliteArchiveStore implements ArchiveStore {
  private readonly stInsert: Statement<[string, string, number, string, string, string]>;
  private readonly stIndex: Statement<[number, string]>;
  private readonly stRecent: Statement<[string, number], Row>;
  private readonly stSeq: Statement<[string, string], { seq: number }>;
  private readonly stGet: Statement<[string, string], Row & { nick: string; occupant_id: string; retracted: number }>;
  private readonly stRetract: Statement<[string, number]>;
  private readonly stUnindex: Statement<[number]>;
  private readonly stFirst: Statement<[string], ArchiveEdge>;
  private readonly stLast: Statement<[string], ArchiveEdge>;
  private readonly stExpire: Statement<[number, number]>;
  private readonly stDeleteRoom: Statement<[string]>;
  private readonly stTrimRoom: Statement<[string, string, number]>;
  private readonly stEvictOldest: Statement<[number]>;
  private readonly stDeleteOthers: Statement<[string, string]>;
  private readonly commit: (entries: readonly QueuedAppend[]) => void;
  private readonly durability: ArchiveDurability;
  private queued: QueuedAppend[] = [];
  private flushScheduled = false;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush();
  };
  private readonly retractTx: (room: string, id: string, tombstone: (original: Element) => Element) => void;
  private readonly queries = new Map<string, Statement>();
  private readonly table: string;
  /** Appends per room since it was last trimmed to its cap. */
  private readonly sinceTrim = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly onFlushError: ArchiveWriteFailure = (error) => { throw error; },
    private readonly options: ArchiveLimits & Partial<ArchiveDurability> = {},
  ) {
    const table = this.table = options.table ?? 'room_archive';
    this.stInsert = db.prepare(
      `INSERT INTO ${table} (room, id, timestamp, nick, occupant_id, stanza) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (room, id) DO NOTHING`);
    this.stIndex = db.prepare(`INSERT INTO ${table}_fts (rowid, text) VALUES (?, ?)`);
    this.stRecent = db.prepare(
      `SELECT seq, id, stanza, timestamp FROM ${table} WHERE room = ? ORDER BY seq DESC LIMIT ?`);
    this.stSeq = db.prepare(`SELECT seq FROM ${table} WHERE room = ? AND id = ?`);
    this.stGet = db.prepare(
      `SELECT seq, id, stanza, timestamp, nick, occupant_id, retracted FROM ${table} WHERE room = ? AND id = ?`);
    this.stRetract = db.prepare(`UPDATE ${table} SET stanza = ?, retracted = 1 WHERE seq = ?`);
    this.stUnindex = db.prepare(`DELETE FROM ${table}_fts WHERE rowid = ?`);
    this.stFirst = db.prepare(`SELECT id, timestamp FROM ${table} WHERE room = ? ORDER BY seq ASC LIMIT 1`);
    this.stLast = db.prepare(`SELECT id, timestamp FROM ${table} WHERE room = ? ORDER BY seq DESC LIMIT 1`);
    this.stExpire = db.prepare(
      `DELETE FROM ${table} WHERE seq IN
         (SELECT seq FROM ${table} WHERE timestamp < ? ORDER BY timestamp LIMIT ?)`);
    this.stDeleteRoom = db.prepare(`DELETE FROM ${table} WHERE room = ?`);
    // Everything at or before the newest message beyond the cap; nothing while under it (NULL).
    this.stTrimRoom = db.prepare(
      `DELETE FROM ${table} WHERE room = ? AND seq <=
         (SELECT seq FROM ${table} WHERE room = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`);
    this.stEvictOldest = db.prepare(
      `DELETE FROM ${table} WHERE seq IN (SELECT seq FROM ${table} ORDER BY seq LIMIT ?)`);
    this.stDeleteOthers = db.prepare(
      `DELETE FROM ${table} WHERE substr(room, instr(room, '@') + 1) = ?
         AND room NOT IN (SELECT value FROM json_each(?))`);

    const commitTx = db.transaction((entries: readonly QueuedAppend[]) => {
      for (const entry of entries) {
        const result = this.stInsert.run(entry.room, entry.id, entry.timestamp, entry.nick, entry.occupantId, entry.stanza);
        // A repeated id keeps the first message: MAM ids are never reused.
        if (result.changes !== 0 && entry.text) this.stIndex.run(Number(result.lastInsertRowid), entry.text);
      }
      const cap = options.maxMessagesPerRoom;
      if (cap !== undefined) {
        const every = Math.max(1, Math.floor(cap * TRIM_EVERY_FRACTION));
        for (const entry of entries) {
          const appended = (this.sinceTrim.get(entry.room) ?? 0) + 1;
          if (appended < every) {
            this.sinceTrim.set(entry.room, appended);
            continue;
          }
          this.sinceTrim.delete(entry.room);
          this.stTrimRoom.run(entry.room, entry.room, cap);
        }
      }
    });
    this.durability = { commitDelayMs: options.commitDelayMs ?? 0, fsync: options.fsync ?? false };
    const relaxed = relaxedSync(db);
    this.commit = this.durability.fsync ? commitTx : (entries) => relaxed(() => commitTx(entries));
    this.retractTx = db.transaction((room: string, id: string, tombstone: (original: Element) => Element) => {
      const row = this.stGet.get(room, id);
      if (!row || row.retracted) return;
      const dead = tombstone(parse(row.stanza));
      this.stRetract.run(dead.toString(), row.seq);
      this.stUnindex.run(row.seq);
    });
  }

  /**
   * Stores the message: at once without a commit delay (throwing a StanzaError for its sender
   * when that fails), else within the delay or before any other use of the archive.
   */
  append(room: string, entry: ArchiveEntry): void {
    // Serialised now: the caller goes on to send (and may change) the element.
    const stanza = entry.stanza;
    this.queued.push({
      room, id: entry.id, timestamp: entry.timestamp, nick: entry.nick, occupantId: entry.occupantId,
      stanza: stanza.toString(), text: searchableText(stanza),
    });
    const delay = this.durability.commitDelayMs;
    if (delay === 0) {
      const failure = this.commitQueued(false);
      if (failure !== undefined) throw refusal(failure);
    } else if (this.queued.length >= MAX_QUEUED) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(this.flushSoon, delay).unref();
    }
  }

  queuedAppends(): number {
    return this.queued.length;
  }

  /**
   * Commits every queued append in one transaction. A failed commit (disk full, database
   * locked beyond the busy timeout) loses those messages from the archive only (they were
   * already delivered): it is reported, and whatever called goes on with what is stored.
   */
  flush(): void {
    this.commitQueued(true);
  }

  /** Commits the queue; returns the error of a failed commit, after reporting it. */
  private commitQueued(delivered: boolean): unknown {
    if (this.queued.length === 0) return undefined;
    const entries = this.queued;
    this.queued = [];
    for (let attempt = 0; ; attempt++) {
      try {
        this.commit(entries);
        return undefined;
      } catch (error) {
        const mayEvict = this.options.evictOldestWhenFull === true && isFull(error) && attempt < EVICTION_ATTEMPTS;
        // Each attempt frees more: the full-text index does not give pages back row for row.
        if (mayEvict && this.stEvictOldest.run(entries.length * 2 ** (attempt + 2)).changes > 0) continue;
        this.onFlushError(error, entries.length, delivered);
        return error ?? new Error('commit failed');
      }
    }
  }

  recent(room: string, max: number): ArchivedMessage[] {
    this.flush();
    const limit = Math.min(Math.max(0, Math.trunc(max)), MAX_RECENT);
    if (limit === 0) return [];
    return this.stRecent.all(room, limit).reverse().map(toMessage);
  }

  retract(room: string, id: string, tombstone: (original: Element) => Element): void {
    this.flush();
    this.retractTx(room, id, tombstone);
  }

  async get(room: string, id: string): Promise<StoredArchivedMessage | undefined> {
    this.flush();
    const row = this.stGet.get(room, id);
    if (!row) return undefined;
    return {
      id: row.id, stanza: parse(row.stanza), text: row.stanza, timestamp: row.timestamp,
      nick: row.nick, occupantId: row.occupant_id, retracted: row.retracted === 1,
    };
  }

  async query(room: string, filter: ArchiveFilter, page: PageRequest): Promise<ArchivePage> {
    this.flush();
    const params: Params = { room };
    const where = ['room = @room'];
    if (filter.start !== undefined) {
      where.push('timestamp >= @start');
      params.start = filter.start;
    }
    if (filter.end !== undefined) {
      where.push('timestamp <= @end');
      params.end = filter.end;
    }
    if (filter.nick !== undefined) {
      where.push('nick = @nick');
      params.nick = filter.nick;
    }
    if (filter.occupantId !== undefined) {
      where.push('occupant_id = @occupantId');
      params.occupantId = filter.occupantId;
    }
    if (filter.afterId !== undefined) {
      where.push('seq > @afterId');
      params.afterId = this.seqOf(room, filter.afterId);
    }
    if (filter.beforeId !== undefined) {
      where.push('seq < @beforeId');
      params.beforeId = this.seqOf(room, filter.beforeId);
    }
    if (filter.ids !== undefined) {
      where.push('seq IN (SELECT value FROM json_each(@ids))');
      params.ids = JSON.stringify(filter.ids.map((id) => this.seqOf(room, id)));
    }
    // Resolve every id before deciding the answer is empty: unknown ids are an error either way.
    const pageAfter = page.after !== undefined ? this.seqOf(room, page.after) : undefined;
    const pageBefore = page.before ? this.seqOf(room, page.before) : undefined;
    if (filter.search !== undefined) {
      const match = toFtsQuery(filter.search);
      if (match === null) return { messages: [], complete: true, count: 0 };
      where.push(`seq IN (SELECT rowid FROM ${this.table}_fts WHERE ${this.table}_fts MATCH @match)`);
      params.match = match;
    }

    const filtered = where.join(' AND ');
    const paged = [...where];
    if (pageAfter !== undefined) {
      paged.push('seq > @pageAfter');
      params.pageAfter = pageAfter;
    }
    if (pageBefore !== undefined) {
      paged.push('seq < @pageBefore');
      params.pageBefore = pageBefore;
    }
    const backward = page.before !== undefined;
    const useIndex = page.index !== undefined && page.after === undefined && !backward;
    params.limit = page.max + 1;
    params.offset = useIndex ? page.index! : 0;

    const rows = this.prepared(
      `SELECT seq, id, stanza, timestamp FROM ${this.table} WHERE ${paged.join(' AND ')}
       ORDER BY seq ${backward ? 'DESC' : 'ASC'} LIMIT @limit OFFSET @offset`).all(params) as Row[];
    const more = rows.length > page.max;
    const pageRows = rows.slice(0, page.max);
    if (backward) pageRows.reverse();

    const count = this.count(filtered, params);
    const first = pageRows[0];
    const firstIndex = first === undefined ? undefined
      : useIndex ? page.index! : this.count(`${filtered} AND seq < @firstSeq`, { ...params, firstSeq: first.seq });
    return { messages: pageRows.map(toMessage), complete: !more, count, firstIndex };
  }

  async edges(room: string): Promise<{ start: ArchiveEdge; end: ArchiveEdge } | undefined> {
    this.flush();
    const start = this.stFirst.get(room);
    const end = this.stLast.get(room);
    return start && end ? { start, end } : undefined;
  }

  async expire(cutoff: number, limit: number): Promise<number> {
    this.flush();
    return this.stExpire.run(cutoff, limit).changes;
  }

  deleteRoom(room: string): void {
    this.flush();
    this.sinceTrim.delete(room);
    this.stDeleteRoom.run(room);
  }

  async deleteRoomsExcept(domain: string, keep: readonly string[]): Promise<number> {
    this.flush();
    return this.stDeleteOthers.run(domain, JSON.stringify(keep)).changes;
  }

  private seqOf(room: string, id: string): number {
    const row = this.stSeq.get(room, id);
    if (!row) throw new ArchiveIdNotFound(id);
    return row.seq;
  }

  private count(where: string, params: Params): number {
    const row = this.prepared(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`).get(params) as { n: number };
    return row.n;
  }

  /** Query shapes are few (which filters are present), so each is prepared once and reused. */
  private prepared(sql: string): Statement {
    let statement = this.queries.get(sql);
    if (!statement) {
      if (this.queries.size >= QUERY_CACHE_SIZE) this.queries.clear();
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    return statement;
  }
}

function isFull(error: unknown): boolean {
  return error instanceof Error && (error as Error & { code?: unknown }).code === 'SQLITE_FULL';
}

/** An append as it will be written: the stored stanza already serialised, its searchable text extracted. */
interface QueuedAppend extends SerializedArchiveEntry {
  text: string;
}

/** A stored message; its stanza is parsed only when asked for (history on join sends the text as it is). */
class StoredMessage implements ArchivedMessage {
  private parsed: Element | undefined;

  constructor(readonly id: string, readonly text: string, readonly timestamp: number) {}

  get stanza(): Element {
    return this.parsed ??= parse(this.text);
  }
}

/** What the sender of a message the archive could not store is told (the message was not sent). */
function refusal(error: unknown): StanzaError {
  return archiveRefusal(isFull(error));
}

function toMessage(row: Row): ArchivedMessage {
  return new StoredMessage(row.id, row.stanza, row.timestamp);
}
