/**
 * The ordered write-behind queue of the mirrored stores. A store applies a change to its
 * memory mirror at once and queues the SQL that makes PostgreSQL agree; one writer takes
 * everything queued (up to a cap) in each turn of the event loop and commits it as one
 * transaction, in queue order. A connection failure keeps the batch and retries it; a
 * write PostgreSQL refuses (a constraint, bad data) is dropped alone, logged, and its keys
 * are re-read so the mirror goes back to what the database holds.
 */
import type pg from 'pg';
import type { Logger } from '../../log.js';

/** The SQL of one change, run inside the batch's transaction. */
export type Write = (client: pg.ClientBase) => Promise<unknown>;

interface QueuedWrite {
  /** Mirror keys ("kind:[parts]") whose rows this write changes. */
  keys: readonly string[];
  write: Write;
}

export interface WriteQueueOptions {
  pool: pg.Pool;
  log: Logger;
  /** The keys of writes that left the queue: committed, or dropped (then the mirror must be re-read). */
  onSettled(keys: readonly string[], dropped: boolean): void;
  /** Writes per transaction (default 500). */
  maxBatch?: number;
}

const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;

export class WriteQueue {
  private readonly queue: QueuedWrite[] = [];
  private readonly pendingByKey = new Map<string, number>();
  /** Collects the writes of an atomic() block, which commit together. */
  private group: QueuedWrite[] | null = null;
  private draining: Promise<void> | null = null;
  /** After a refused batch, this many writes are retried one per transaction to find the culprit. */
  private singly = 0;
  /** While closing: when to give up on an unreachable database. */
  private deadline: number | null = null;
  private readonly maxBatch: number;

  constructor(private readonly options: WriteQueueOptions) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  add(keys: readonly string[], write: Write): void {
    const entry = { keys, write };
    if (this.group) this.group.push(entry);
    else this.push(entry);
  }

  /** Runs `change`; every write it queues commits in one transaction, or none if it throws. */
  atomic<T>(change: () => T): T {
    if (this.group) return change();
    const group: QueuedWrite[] = [];
    this.group = group;
    let result: T;
    try {
      result = change();
    } catch (error) {
      this.group = null;
      // Whatever the block changed in the mirror before it failed is re-read from the database.
      this.options.onSettled(group.flatMap((entry) => entry.keys), true);
      throw error;
    } finally {
      this.group = null;
    }
    if (group.length > 0) {
      this.push({
        keys: [...new Set(group.flatMap((entry) => entry.keys))],
        write: async (client) => {
          for (const entry of group) await entry.write(client);
        },
      });
    }
    return result;
  }

  /** Whether a write of this key waits to be committed. */
  pending(key: string): boolean {
    return this.pendingByKey.has(key);
  }

  get size(): number {
    return this.queue.length;
  }

  /** Resolves when everything queued so far has left the queue. */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Flushes; past `timeoutMs` of an unreachable database, drops what is left (logged). */
  async close(timeoutMs: number): Promise<void> {
    this.deadline = Date.now() + timeoutMs;
    this.schedule();
    await this.flushed();
  }

  private push(entry: QueuedWrite): void {
    for (const key of entry.keys) this.pendingByKey.set(key, (this.pendingByKey.get(key) ?? 0) + 1);
    this.queue.push(entry);
    this.schedule();
  }

  private schedule(): void {
    if (this.draining || this.queue.length === 0) return;
    this.draining = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
        this.schedule();
      });
  }

  private async drain(): Promise<void> {
    let retryMs = RETRY_FIRST_MS;
    let failing = false;
    while (this.queue.length > 0) {
      const size = this.singly > 0 ? 1 : Math.min(this.maxBatch, this.queue.length);
      const batch = this.queue.slice(0, size);
      let dropped = false;
      try {
        dropped = await this.commit(batch);
      } catch (error) {
        if (!failing) this.options.log.error({ err: error, queued: this.queue.length }, 'PostgreSQL is unreachable; changes are kept in memory and retried');
        failing = true;
        if (this.deadline !== null && Date.now() >= this.deadline) {
          this.options.log.error({ lost: this.queue.length }, 'PostgreSQL stayed unreachable while stopping; the queued changes are lost');
          this.settle(this.queue.splice(0), true);
          return;
        }
        const wait = this.deadline === null ? retryMs : Math.min(retryMs, Math.max(0, this.deadline - Date.now()));
        await new Promise((resolve) => setTimeout(resolve, wait));
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
        continue;
      }
      if (failing) this.options.log.info('PostgreSQL is reachable again; queued changes are written');
      failing = false;
      retryMs = RETRY_FIRST_MS;
      if (dropped && batch.length > 1) {
        // Find the refused write: retry this batch one write per transaction.
        this.singly = batch.length;
        continue;
      }
      if (this.singly > 0) this.singly--;
      this.settle(this.queue.splice(0, batch.length), dropped);
    }
  }

  /** Commits the batch; true when PostgreSQL refused it (nothing committed). Throws when unreachable. */
  private async commit(batch: readonly QueuedWrite[]): Promise<boolean> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      for (const entry of batch) await entry.write(client);
      await client.query('COMMIT');
      client.release();
      return false;
    } catch (error) {
      const retry = isTransient(error);
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(retry ? (error as Error) : undefined);
      if (retry) throw error;
      if (batch.length === 1) {
        this.options.log.error({ err: error, keys: batch[0]!.keys.map(kindOf) }, 'PostgreSQL refused a change; it is dropped and the mirror re-read');
      }
      return true;
    }
  }

  private settle(entries: readonly QueuedWrite[], dropped: boolean): void {
    const keys: string[] = [];
    for (const entry of entries) {
      for (const key of entry.keys) {
        const left = (this.pendingByKey.get(key) ?? 1) - 1;
        if (left > 0) this.pendingByKey.set(key, left);
        else this.pendingByKey.delete(key);
        keys.push(key);
      }
    }
    this.options.onSettled(keys, dropped);
  }
}

/**
 * Failures worth retrying: no SQLSTATE (the connection broke), connection exceptions (08),
 * serialization failures and deadlocks (40), lack of resources (53), operator intervention
 * such as a restart (57), system errors (58). Anything else is PostgreSQL refusing the write.
 */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || code.length !== 5) return true;
  return ['08', '40', '53', '57', '58'].includes(code.slice(0, 2));
}

/** The kind of a key, for logs: the keys themselves name people. */
function kindOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}
