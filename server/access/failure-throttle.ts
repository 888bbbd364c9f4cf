/**
 * Per-key (client address) SASL failure counter with a sliding window. After `limit` failures
 * within `windowMs`, the key is blocked until the oldest of those failures leaves the window.
 * Memory is bounded: each key keeps at most `limit` timestamps, entries whose failures have
 * all expired are swept, and past `maxKeys` the least recently failing keys are evicted.
 * Keys (addresses) are personal data: this module never logs them.
 */
export interface FailureThrottleOptions {
  /** Failures per window after which the key is blocked. */
  limit: number;
  /** Window length in milliseconds; default one minute. */
  windowMs?: number;
  /** Maximum number of keys tracked; default 100 000. */
  maxKeys?: number;
  /** Clock in milliseconds; default Date.now. */
  now?: () => number;
}

export class FailureThrottle {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Ordered by most recent failure (re-inserted on each failure): oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(options: FailureThrottleOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.now = options.now ?? Date.now;
  }

  recordFailure(key: string): void {
    const now = this.now();
    this.sweep(now);
    const times = this.failures.get(key) ?? [];
    this.failures.delete(key);
    times.push(now);
    if (times.length > this.limit) times.splice(0, times.length - this.limit);
    this.failures.set(key, times);
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next();
      if (oldest.done) break;
      this.failures.delete(oldest.value);
    }
  }

  isBlocked(key: string): boolean {
    const times = this.failures.get(key);
    if (times === undefined || times.length < this.limit) return false;
    const oldest = times[times.length - this.limit] as number;
    return this.now() - oldest < this.windowMs;
  }

  /** Forget the key's failures (after a successful authentication). */
  clear(key: string): void {
    this.failures.delete(key);
  }

  /** Number of keys currently tracked (for tests and metrics). */
  get size(): number {
    return this.failures.size;
  }

  /** Drops keys whose latest failure left the window; stops at the first live one (map order). */
  private sweep(now: number): void {
    for (const [key, times] of this.failures) {
      const latest = times[times.length - 1] as number;
      if (now - latest < this.windowMs) break;
      this.failures.delete(key);
    }
  }
}
