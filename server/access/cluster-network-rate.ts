/**
 * A per-network rate over a cluster: [access].anonymous_logins_per_minute (guest sign-ins)
 * and nick_checks_per_minute (the landing page's nickname checks), counted per client network
 * in Redis (access/cluster-window-counter.ts: fixed one-minute windows, unlike the sliding
 * window of one process; at most one event per other node beyond the limit). Redis holds
 * keyed hashes of networks (access/address-hash.ts), never an address. Access control keeps
 * its own count beside this one (access/control.ts), so a Redis that cannot be reached never
 * lifts the limit.
 */
import { keyedAddressHash, secretOf } from './address-hash.js';
import type { ClusterRedis } from './cluster-redis.js';
import { ClusterWindowCounter } from './cluster-window-counter.js';

export interface ClusterNetworkRateOptions {
  cluster: ClusterRedis;
  /** What is counted, in the Redis keys and the hash's context: 'logins', 'nick-checks'. */
  name: string;
  /**
   * The key of the keyed address hash (the same on every node: a server secret in shared
   * storage). A function is asked at each use: nodes that created the key at once agree on
   * the first one stored once storage tells them.
   */
  secret: Buffer | (() => Buffer);
  /** Events per network and minute. */
  limit: number;
  now?: () => number;
  /** A Redis command failed; the node goes on with what it knows. */
  onError?: (error: unknown) => void;
}

export class ClusterNetworkRate {
  private readonly counter: ClusterWindowCounter;

  constructor(private readonly options: ClusterNetworkRateOptions) {
    this.counter = new ClusterWindowCounter(options);
  }

  /** The limit in force ([access] reloaded changes it; what is counted stays). */
  get limit(): number {
    return this.counter.limit;
  }

  set limit(value: number) {
    this.counter.limit = value;
  }

  /** Counts one event from `address`; false (nothing counted) when its network is at the limit. */
  take(address: string): boolean {
    const hash = keyedAddressHash(secretOf(this.options.secret), `cluster-${this.options.name}`, address).toString('hex');
    if (this.counter.isBlocked(hash)) return false;
    this.counter.record(hash);
    return true;
  }

  /** Resolves once every Redis command sent so far has been answered. */
  settled(): Promise<void> {
    return this.counter.settled();
  }
}
