/**
 * [access].anonymous_logins_per_minute across a cluster: guest sign-ins per client network
 * counted in Redis, one counter per address and minute (fixed windows, unlike the sliding
 * window of one process).
 *
 * The check stays synchronous (SASL asks in the middle of a negotiation): a node decides on
 * the cluster's count as its last Redis answer for that address gave it, plus its own
 * sign-ins not yet answered. Each sign-in increments the counter and brings the current
 * total back, so a node learns of the others' sign-ins with its first one; over a minute the
 * cluster admits at most one sign-in per other node beyond the limit. Redis holds keyed
 * hashes of networks (access/address-hash.ts), never an address.
 */
import { keyedAddressHash, secretOf } from './address-hash.js';
import type { ClusterRedis } from './cluster-redis.js';

const WINDOW_MS = 60_000;
/** Addresses this node remembers; beyond, old windows go, then the oldest entries (re-learnt from Redis at their next sign-in). */
const MAX_ENTRIES = 10_000;

export interface ClusterLoginLimitOptions {
  cluster: ClusterRedis;
  /**
   * The key of the keyed address hash (the same on every node: a server secret in shared
   * storage). A function is asked at each use: nodes that created the key at once agree on
   * the first one stored once storage tells them.
   */
  secret: Buffer | (() => Buffer);
  /** Sign-ins per address and minute. */
  limit: number;
  now?: () => number;
  /** A Redis command failed; the node goes on with what it knows. */
  onError?: (error: unknown) => void;
}

interface WindowCount {
  window: number;
  /** The cluster's total as Redis last answered. */
  known: number;
  /** This node's sign-ins sent to Redis and not yet answered. */
  pending: number;
}

export class ClusterLoginLimit {
  private readonly counts = new Map<string, WindowCount>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly options: ClusterLoginLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The limit in force ([access] reloaded changes it; what is counted stays). */
  get limit(): number {
    return this.options.limit;
  }

  set limit(value: number) {
    this.options.limit = value;
  }

  /** Counts one sign-in from `address`; false (nothing counted) when its network is at the limit. */
  take(address: string): boolean {
    const window = Math.floor(this.now() / WINDOW_MS);
    const hash = keyedAddressHash(secretOf(this.options.secret), 'cluster-logins', address).toString('hex');
    let count = this.counts.get(hash);
    if (!count || count.window !== window) {
      if (this.counts.size >= MAX_ENTRIES) this.sweep(window);
      count = { window, known: 0, pending: 0 };
      this.counts.set(hash, count);
    }
    if (count.known + count.pending >= this.options.limit) return false;
    count.pending++;
    const { redis, prefix } = this.options.cluster;
    const key = `${prefix}limits:logins:${hash}:${window}`;
    const counted = count;
    this.track(redis.multi().incr(key).pexpire(key, 2 * WINDOW_MS).exec().then((replies) => {
      const total = Number(replies?.[0]?.[1]);
      if (Number.isFinite(total)) counted.known = Math.max(counted.known, total);
    }).finally(() => { counted.pending--; }));
    return true;
  }

  /** Resolves once every Redis command sent so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(command: Promise<unknown>): void {
    const tracked = command.catch((error: unknown) => this.options.onError?.(error));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  private sweep(window: number): void {
    for (const [hash, count] of this.counts) if (count.window !== window) this.counts.delete(hash);
    for (const hash of this.counts.keys()) {
      if (this.counts.size < MAX_ENTRIES) break;
      this.counts.delete(hash);
    }
  }
}
