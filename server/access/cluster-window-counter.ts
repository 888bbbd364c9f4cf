/**
 * Events per key and minute over a cluster, counted in Redis (fixed one-minute windows, one
 * counter per key and window), asked synchronously: a node decides on the cluster's count as
 * Redis last gave it for that key, plus its own events not yet answered. Each event increments
 * the counter and brings the current total back, so a node learns of the others' events with
 * its first one; over a minute the cluster lets at most one event per other node past the
 * limit. Keys are hashes the caller made (never an address or a name in clear).
 */
import type { ClusterRedis } from './cluster-redis.js';

const WINDOW_MS = 60_000;
/** Keys this node remembers; beyond, old windows go, then the oldest entries (re-learnt from Redis at their next event). */
const MAX_ENTRIES = 10_000;

export interface ClusterWindowCounterOptions {
  cluster: ClusterRedis;
  /** What is counted, in the Redis key: `<prefix>limits:<name>:<key>:<window>`. */
  name: string;
  /** Events per key and minute. */
  limit: number;
  now?: () => number;
  /** A Redis command failed; the node goes on with what it knows. */
  onError?: (error: unknown) => void;
}

interface WindowCount {
  window: number;
  /** The cluster's total as Redis last answered. */
  known: number;
  /** This node's events sent to Redis and not yet answered. */
  pending: number;
}

export class ClusterWindowCounter {
  private readonly counts = new Map<string, WindowCount>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly options: ClusterWindowCounterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The limit in force ([access] or [limits] reloaded changes it; what is counted stays). */
  get limit(): number {
    return this.options.limit;
  }

  set limit(value: number) {
    this.options.limit = value;
  }

  /** Whether the key has reached the limit in this minute, over the cluster as far as this node knows. */
  isBlocked(key: string): boolean {
    const count = this.current(key);
    return count.known + count.pending >= this.options.limit;
  }

  /** Counts one event for the key. */
  record(key: string): void {
    const count = this.current(key);
    count.pending++;
    const redisKey = this.redisKey(key, count.window);
    this.track(this.options.cluster.redis.multi().incr(redisKey).pexpire(redisKey, 2 * WINDOW_MS).exec().then((replies) => {
      const total = Number(replies?.[0]?.[1]);
      if (Number.isFinite(total)) count.known = Math.max(count.known, total);
    }).finally(() => { count.pending--; }));
  }

  /** Forgets the key's events of this minute, here and in Redis. */
  clear(key: string): void {
    const window = this.window();
    this.counts.delete(key);
    this.track(this.options.cluster.redis.del(this.redisKey(key, window)));
  }

  /** Resolves once every Redis command sent so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private window(): number {
    return Math.floor(this.now() / WINDOW_MS);
  }

  private redisKey(key: string, window: number): string {
    return `${this.options.cluster.prefix}limits:${this.options.name}:${key}:${window}`;
  }

  private current(key: string): WindowCount {
    const window = this.window();
    let count = this.counts.get(key);
    if (!count || count.window !== window) {
      if (this.counts.size >= MAX_ENTRIES) this.sweep(window);
      count = { window, known: 0, pending: 0 };
      this.counts.set(key, count);
    }
    return count;
  }

  private track(command: Promise<unknown>): void {
    const tracked = command.catch((error: unknown) => this.options.onError?.(error));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private sweep(window: number): void {
    for (const [key, count] of this.counts) if (count.window !== window) this.counts.delete(key);
    for (const key of this.counts.keys()) {
      if (this.counts.size < MAX_ENTRIES) break;
      this.counts.delete(key);
    }
  }
}
