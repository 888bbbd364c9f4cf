import type { Config } from '../config/types.js';
import { FailureThrottle } from './failure-throttle.js';
import { addressLimitKey, NetworkList } from './address.js';
import { resolveClient, type ClientAddress, type PeerRequest } from './forwarded.js';

/** A connection admitted by access control; release() when it ends (a second call does nothing). */
export interface Admission {
  release(): void;
}

/**
 * The network allowlist ([access].allow), trusted proxies and per-address limits, applied by
 * every listener. Addresses are canonical (normaliseAddress) and never logged by default.
 */
export interface AccessControl {
  /** The allowlist alone: may this address use the server at all? A question, not a refusal. */
  allows(address: string): boolean;
  /** The allowlist for one HTTP request: false is a refusal, and is counted as one. */
  admitsRequest(address: string): boolean;
  /**
   * A new long-lived connection (TCP stream, WebSocket, BOSH session): the allowlist and the
   * per-address connection limit. Returns null when the address may not connect.
   */
  admit(address: string): Admission | null;
  /** A peer listed in [access].trusted_proxies: its connections carry many clients. */
  isTrustedProxy(address: string): boolean;
  /** The client of an HTTP request after trusted proxies; null when a trusted proxy sent garbage. */
  resolveClient(request: PeerRequest): ClientAddress | null;
  /**
   * Counts one guest sign-in (SASL ANONYMOUS) from this address; false when the address is
   * over [access].anonymous_logins_per_minute, and then nothing is counted.
   */
  takeAnonymousLogin(address: string): boolean;
  /**
   * Counts one nickname check (the landing page's GET /api/rooms/:room/nick-available) from
   * this address; false when the address is over [access].nick_checks_per_minute.
   */
  takeNickCheck(address: string): boolean;
  /**
   * Takes the [access] settings of a reloaded config. Connections already admitted stay;
   * the new allowlist and limits apply to what comes next.
   */
  reconfigure(config: Pick<Config, 'access'>): void;
  /**
   * On a cluster: the per-address limits count over every node from now on (the allowlist
   * stays this node's config); the per-minute ones keep this process's count too, which
   * holds when Redis cannot be reached. Null goes back to this process's own counts.
   */
  countAcrossCluster(limits: ClusterAccessLimits | null): void;
}

/** A per-network count of events in a minute over the cluster (access/cluster-network-rate.ts). */
export interface ClusterRate {
  limit: number;
  take(address: string): boolean;
}

/** The cluster-wide counters (access/cluster-connection-limit.ts, cluster-network-rate.ts), as access control uses them. */
export interface ClusterAccessLimits {
  connections: { limit: number; admit(address: string): Admission | null };
  guestLogins: ClusterRate;
  nickChecks: ClusterRate;
}

/** Why a client was turned away (the same names as core's RefusalReason; access sits below core). */
export type AccessRefusal = 'allowlist' | 'connections-per-address' | 'guest-sign-ins-per-minute';

/**
 * Concurrent connections per client address (TCP streams, WebSockets and BOSH sessions
 * together). The map holds only addresses with a live connection, so it is bounded by the
 * number of open connections.
 */
class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(public limit: number) {}

  /** Counts a new connection; false (and nothing counted) when the address is at its limit. */
  acquire(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.limit) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  release(address: string): void {
    const count = this.counts.get(address) ?? 0;
    if (count <= 1) this.counts.delete(address);
    else this.counts.set(address, count - 1);
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}

/**
 * Events per client network (addressLimitKey) in a sliding minute, counted in this process,
 * and over the cluster too when there is one. The process's own count stands on a cluster:
 * while Redis cannot be reached the cluster's count stops growing, and the limit must not
 * lift with it (a node then holds each network to the limit alone).
 */
class NetworkRate {
  private limit: number;
  private local: FailureThrottle;
  cluster: ClusterRate | null = null;

  constructor(limit: number, private readonly now: () => number) {
    this.limit = limit;
    this.local = this.newWindow();
  }

  /** Counts one event; false (nothing counted) when the network is at the limit here or over the cluster. */
  take(address: string): boolean {
    const key = addressLimitKey(address);
    if (this.local.isBlocked(key)) return false;
    if (this.cluster && !this.cluster.take(address)) return false;
    // FailureThrottle is exactly a sliding window per key (its "failures" are these events),
    // with its sweep and key cap keeping memory bounded.
    this.local.recordFailure(key);
    return true;
  }

  setLimit(limit: number): void {
    if (this.cluster) this.cluster.limit = limit;
    if (limit === this.limit) return;
    // A new limit starts a new window: the old counts were made against the old limit.
    this.limit = limit;
    this.local = this.newWindow();
  }

  private newWindow(): FailureThrottle {
    return new FailureThrottle({ limit: this.limit, now: this.now });
  }
}

/**
 * [access] as configured. An empty allowlist admits every address. Limits count per
 * addressLimitKey: an IPv6 client's whole /64 shares one count.
 */
export function createAccessControl(
  config: Pick<Config, 'access'>,
  now: () => number = Date.now,
  onRefused: (reason: AccessRefusal) => void = () => {},
): AccessControl {
  let allow = new NetworkList(config.access.allow);
  let trusted = new NetworkList(config.access.trusted_proxies);
  const connections = new ConnectionCounter(config.access.max_connections_per_address);
  const guestLogins = new NetworkRate(config.access.anonymous_logins_per_minute, now);
  const nickChecks = new NetworkRate(config.access.nick_checks_per_minute, now);
  let cluster: ClusterAccessLimits | null = null;

  const allows = (address: string): boolean => allow.isEmpty || allow.contains(address);
  const refused = (reason: AccessRefusal): false => {
    onRefused(reason);
    return false;
  };
  const refusedAdmission = (reason: AccessRefusal): null => {
    onRefused(reason);
    return null;
  };

  return {
    allows,
    admitsRequest: (address: string) => allows(address) || refused('allowlist'),
    admit(address: string): Admission | null {
      if (!allows(address)) return refusedAdmission('allowlist');
      if (cluster) return cluster.connections.admit(address) ?? refusedAdmission('connections-per-address');
      const key = addressLimitKey(address);
      if (!connections.acquire(key)) return refusedAdmission('connections-per-address');
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          connections.release(key);
        },
      };
    },
    isTrustedProxy: (address: string) => trusted.contains(address),
    resolveClient: (request: PeerRequest) => resolveClient(request, trusted),
    takeAnonymousLogin: (address: string) => guestLogins.take(address) || refused('guest-sign-ins-per-minute'),
    // Not a refusal of the client (the page goes on and lets the room judge the nickname): not counted as one.
    takeNickCheck: (address: string) => nickChecks.take(address),
    reconfigure(next: Pick<Config, 'access'>): void {
      allow = new NetworkList(next.access.allow);
      trusted = new NetworkList(next.access.trusted_proxies);
      connections.limit = next.access.max_connections_per_address;
      if (cluster) cluster.connections.limit = next.access.max_connections_per_address;
      guestLogins.setLimit(next.access.anonymous_logins_per_minute);
      nickChecks.setLimit(next.access.nick_checks_per_minute);
    },
    countAcrossCluster(limits: ClusterAccessLimits | null): void {
      cluster = limits;
      guestLogins.cluster = limits?.guestLogins ?? null;
      nickChecks.cluster = limits?.nickChecks ?? null;
    },
  };
}
