/**
 * The SASL failure throttle ([limits].sasl_failures_per_minute and
 * sasl_failures_per_account_per_minute) over a cluster: failures per client network and per
 * account counted in Redis (access/cluster-window-counter.ts, fixed one-minute windows), on
 * top of this node's own sliding-window throttle, so that a guesser spreading attempts over
 * the nodes meets the same limits as on one. Redis holds keyed hashes of networks and account
 * names, never either in clear.
 */
import { createHmac } from 'node:crypto';
import { keyedAddressHash, secretOf } from './address-hash.js';
import type { ClusterRedis } from './cluster-redis.js';
import { ClusterWindowCounter } from './cluster-window-counter.js';

/** What the SASL negotiation asks of a failure throttle (sasl/auth-throttle.ts is one process's). */
export interface SignInThrottle {
  addressBlocked(address: string): boolean;
  /** `account` is a bare JID (localpart@host). */
  accountBlocked(account: string): boolean;
  recordFailure(address: string, account: string | undefined): void;
  accountSucceeded(account: string): void;
}

export interface ClusterAuthThrottleOptions {
  cluster: ClusterRedis;
  /** The key of the hashes (the same on every node: a server secret in shared storage). */
  secret: Buffer | (() => Buffer);
  perAddress: number;
  perAccount: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

export class ClusterAuthThrottle implements SignInThrottle {
  private readonly byAddress: ClusterWindowCounter;
  private readonly byAccount: ClusterWindowCounter;

  /** `local`: this node's own throttle, which keeps counting (exact, sliding) beside the cluster's. */
  constructor(readonly local: SignInThrottle, private readonly options: ClusterAuthThrottleOptions) {
    const common = { cluster: options.cluster, now: options.now, onError: options.onError };
    this.byAddress = new ClusterWindowCounter({ ...common, name: 'sasl-addresses', limit: options.perAddress });
    this.byAccount = new ClusterWindowCounter({ ...common, name: 'sasl-accounts', limit: options.perAccount });
  }

  addressBlocked(address: string): boolean {
    return this.local.addressBlocked(address) || this.byAddress.isBlocked(this.addressKey(address));
  }

  accountBlocked(account: string): boolean {
    return this.local.accountBlocked(account) || this.byAccount.isBlocked(this.accountKey(account));
  }

  recordFailure(address: string, account: string | undefined): void {
    this.local.recordFailure(address, account);
    this.byAddress.record(this.addressKey(address));
    if (account !== undefined) this.byAccount.record(this.accountKey(account));
  }

  accountSucceeded(account: string): void {
    this.local.accountSucceeded(account);
    this.byAccount.clear(this.accountKey(account));
  }

  /** Resolves once every Redis command sent so far has been answered. */
  async settled(): Promise<void> {
    await Promise.all([this.byAddress.settled(), this.byAccount.settled()]);
  }

  private addressKey(address: string): string {
    return keyedAddressHash(secretOf(this.options.secret), 'cluster-sasl-addresses', address).toString('hex');
  }

  private accountKey(account: string): string {
    return createHmac('sha256', secretOf(this.options.secret)).update(`cluster-sasl-accounts\0${account}`).digest('hex');
  }
}
