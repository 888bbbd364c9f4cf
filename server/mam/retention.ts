/**
 * `[muc].archive_expires_after` (rooms) and `[server].archive_expires_after` (accounts): a
 * periodic job deletes archived messages older than that (their search index entries go with them, by trigger). It runs once at start and then
 * every few minutes, deleting in small batches and yielding between them, so a large
 * backlog never blocks the event loop for long.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from '../log.js';
import type { ArchiveStore } from '../storage/archive.js';

export interface RetentionOptions {
  /** Messages older than this (ms) are deleted. */
  maxAge: number;
  now: () => number;
  log: Logger;
  /** Default 10 minutes. */
  intervalMs?: number;
  /** Rows per transaction. Default 500. */
  batchSize?: number;
  /** Which archive, in log lines. Default 'room archive'. */
  name?: string;
}

export class ArchiveRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly archive: Pick<ArchiveStore, 'expire'>, private readonly options: RetentionOptions) {}

  /** Sweeps now, then every interval. The timer never keeps the process alive. */
  start(): void {
    if (this.timer || this.stopped) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? 10 * 60_000);
    this.timer.unref();
  }

  /** Stops the timer and any sweep in progress at its next batch. Safe to call twice. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Deletes every expired message; resolves with how many. One sweep at a time. */
  sweep(): Promise<number> {
    this.running ??= this.sweepBatches().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sweepBatches(): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    const cutoff = this.options.now() - this.options.maxAge;
    let deleted = 0;
    try {
      while (!this.stopped) {
        const n = await this.archive.expire(cutoff, batchSize);
        deleted += n;
        if (n < batchSize) break;
        await yieldToEventLoop();
      }
    } catch (err) {
      this.options.log.error({ err }, `${this.options.name ?? 'room archive'} retention failed`);
    }
    if (deleted > 0) this.options.log.info({ deleted }, `expired ${this.options.name ?? 'room archive'} messages deleted`);
    return deleted;
  }
}
