/**
 * Keeps the memory mirror in step with PostgreSQL. Local changes go to the write queue;
 * notifications of changes committed by anyone else name a key, which is re-read and
 * replaced in the mirror. The rules that stop the mirror from going back in time:
 *
 * - A notification sent by one of this node's own pool connections is ignored: the mirror
 *   already holds that change (and maybe newer ones).
 * - A notification for a key that still has writes queued here is not re-read now (the
 *   database does not hold our change yet); the key is marked and re-read once its last
 *   queued write has committed, so the database's final word (last writer wins) lands.
 * - A re-read whose key was written locally while the query ran is discarded and retried.
 *
 * Reads are batched: every key waiting is loaded with one query per table, in one
 * repeatable-read snapshot, one batch at a time. A full reload (at open, and after the
 * listener reconnects, since notifications were missed) goes through the same path for
 * every key of the database and of the mirror.
 */
import type pg from 'pg';
import type { Logger } from '../../log.js';
import { WriteQueue, type Write } from './write-queue.js';
import { encodeParts, mirrorKey, StorageBusyError, type KeyParts, type MirroredKind, type MirrorWriter } from './mirrored.js';

const READ_RETRY_MS = 1_000;

export class MirrorSync implements MirrorWriter {
  readonly queue: WriteQueue;
  private readonly kinds = new Map<string, MirroredKind<unknown>>();
  /** This node's pool connections, by backend process id. */
  private readonly ownProcesses = new Set<number>();
  /** Keys notified while they had writes queued: re-read when those have committed. */
  private readonly stale = new Set<string>();
  /** Keys to re-read in the next batch. */
  private readonly toRead = new Set<string>();
  private reloadAllRequested = false;
  /** Keys written while a read batch is in flight (a result for them is out of date). */
  private readonly writtenDuringRead = new Set<string>();
  private reading: Promise<void> | null = null;
  private closed = false;

  /** @param maxQueued changes kept in memory while PostgreSQL is away, before refusing more. */
  constructor(private readonly pool: pg.Pool, private readonly log: Logger, private readonly maxQueued = 100_000) {
    this.queue = new WriteQueue({ pool, log, onSettled: (keys, dropped) => this.settled(keys, dropped) });
    pool.on('connect', (client) => {
      const pid = processId(client);
      if (pid !== null) this.ownProcesses.add(pid);
    });
    pool.on('remove', (client) => {
      const pid = processId(client);
      if (pid !== null) this.ownProcesses.delete(pid);
    });
  }

  register(kind: MirroredKind<unknown>): void {
    this.kinds.set(kind.kind, kind);
  }

  admit(): void {
    if (this.queue.size >= this.maxQueued) {
      throw new StorageBusyError(`${this.queue.size} changes are waiting for PostgreSQL; refusing more until it is back`);
    }
  }

  write(keys: readonly string[], write: Write): void {
    if (this.reading) for (const key of keys) this.writtenDuringRead.add(key);
    this.queue.add(keys, write);
  }

  atomic<T>(change: () => T): T {
    return this.queue.atomic(change);
  }

  async reread(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      if (this.queue.pending(key)) this.stale.add(key);
      else this.request(key);
    }
    await this.startReading();
  }

  committed(): Promise<void> {
    return this.queue.flushed();
  }

  /** A change notification: `payload` is "<kind>:<key parts as a JSON array>". */
  notified(payload: string, senderProcess: number): void {
    if (this.ownProcesses.has(senderProcess)) return;
    const colon = payload.indexOf(':');
    const kind = this.kinds.get(payload.slice(0, colon));
    if (!kind || colon < 0) return;
    let parts: unknown;
    try {
      parts = JSON.parse(payload.slice(colon + 1));
    } catch {
      return;
    }
    if (!Array.isArray(parts) || !parts.every((part) => typeof part === 'string')) return;
    const key = mirrorKey(kind.kind, parts as string[]);
    if (this.queue.pending(key)) this.stale.add(key);
    else this.request(key);
  }

  /** Loads everything the database holds into the mirror, at open; throws what the database says. */
  async loadAll(): Promise<void> {
    this.reading = this.readBatch(true, []).finally(() => {
      this.reading = null;
    });
    await this.reading;
    // Keys notified while the first load ran.
    void this.startReading();
  }

  /** Reloads everything, after notifications may have been missed (the listener reconnected). */
  reloadAll(): void {
    this.reloadAllRequested = true;
    void this.startReading();
  }

  /** Resolves when no write is queued and no re-read is waiting or running. */
  async settledAll(): Promise<void> {
    for (;;) {
      await this.queue.flushed();
      if (this.reading) await this.reading;
      else if (this.toRead.size > 0) await this.startReading();
      if (this.queue.size === 0 && !this.reading && this.toRead.size === 0) return;
    }
  }

  close(): void {
    this.closed = true;
  }

  private settled(keys: readonly string[], dropped: boolean): void {
    for (const key of keys) {
      if (this.queue.pending(key)) continue;
      if (this.stale.delete(key) || dropped) this.request(key);
    }
  }

  private request(key: string): void {
    this.toRead.add(key);
    void this.startReading();
  }

  private startReading(): Promise<void> {
    if (this.reading) return this.reading;
    if (this.closed || (this.toRead.size === 0 && !this.reloadAllRequested)) return Promise.resolve();
    this.reading = this.readBatches().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  private async readBatches(): Promise<void> {
    while (!this.closed && (this.toRead.size > 0 || this.reloadAllRequested)) {
      const all = this.reloadAllRequested;
      const keys = [...this.toRead];
      this.reloadAllRequested = false;
      this.toRead.clear();
      this.writtenDuringRead.clear();
      try {
        await this.readBatch(all, keys);
      } catch (error) {
        for (const key of keys) this.toRead.add(key);
        if (all) this.reloadAllRequested = true;
        this.log.error({ err: error }, 'could not re-read changed rows from PostgreSQL; retrying');
        await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS));
      }
    }
  }

  private async readBatch(all: boolean, keys: readonly string[]): Promise<void> {
    const byKind = new Map<string, KeyParts[]>();
    for (const key of keys) {
      const colon = key.indexOf(':');
      const list = byKind.get(key.slice(0, colon)) ?? [];
      list.push(JSON.parse(key.slice(colon + 1)) as string[]);
      byKind.set(key.slice(0, colon), list);
    }
    // One snapshot for every table read: an account and its credentials, a room and its
    // affiliations, are seen as one commit left them.
    const client = await this.pool.connect();
    let loaded;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      loaded = [];
      for (const kind of this.kinds.values()) {
        const wanted = byKind.get(kind.kind);
        if (all || wanted) loaded.push({ kind, wanted, entries: await kind.load(client, all ? undefined : wanted) });
      }
      await client.query('COMMIT');
      client.release();
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    for (const result of loaded) {
      const { kind, entries } = result;
      const candidates = new Map<string, KeyParts>();
      if (all) {
        for (const [encoded] of entries) candidates.set(encoded, JSON.parse(encoded) as string[]);
        for (const parts of kind.keys()) candidates.set(encodeParts(parts), parts);
      }
      for (const parts of result.wanted ?? []) candidates.set(encodeParts(parts), parts);
      for (const [encoded, parts] of candidates) {
        const key = `${kind.kind}:${encoded}`;
        if (this.queue.pending(key)) this.stale.add(key);
        else if (this.writtenDuringRead.has(key)) this.toRead.add(key);
        else kind.replace(parts, entries.get(encoded));
      }
    }
  }
}

function processId(client: pg.PoolClient): number | null {
  return (client as unknown as { processID?: number | null }).processID ?? null;
}
