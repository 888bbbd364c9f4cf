import type { ClientAddress, PeerRequest } from './forwarded.js';

/** A connection admitted by access control; release() when it ends (a second call does nothing). */
export interface Admission {
  release(): void;
}

/**
 * The network allowlist ([access].allow), trusted proxies and per-address limits, applied by
 * every listener. Addresses are canonical (normaliseAddress) and never logged by default.
 */
export interface AccessControl {
  /** The allowlist alone: may this address use the server at all (every HTTP request)? */
  allows(address: string): boolean;
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
}
