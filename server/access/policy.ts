import type { Config } from '../config/types.js';
import { FailureThrottle } from '../sasl/failure-throttle.js';
import type { AccessControl, Admission } from './control.js';
import { resolveClient, type PeerRequest } from './forwarded.js';
import { addressLimitKey } from './limit-key.js';
import { ConnectionCounter } from './limits.js';
import { NetworkList } from './networks.js';

/**
 * [access] as configured. An empty allowlist admits every address. Limits count per
 * addressLimitKey: an IPv6 client's whole /64 shares one count.
 */
export function createAccessControl(config: Pick<Config, 'access'>, now: () => number = Date.now): AccessControl {
  const allow = new NetworkList(config.access.allow);
  const trusted = new NetworkList(config.access.trusted_proxies);
  const connections = new ConnectionCounter(config.access.max_connections_per_address);
  // A sliding one-minute window per address; FailureThrottle is exactly that counter (its
  // "failures" here are sign-ins), with its sweep and key cap keeping memory bounded.
  const guestLogins = new FailureThrottle({ limit: config.access.anonymous_logins_per_minute, now });

  const allows = (address: string): boolean => allow.isEmpty || allow.contains(address);

  return {
    allows,
    admit(address: string): Admission | null {
      const key = addressLimitKey(address);
      if (!allows(address) || !connections.acquire(key)) return null;
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
    takeAnonymousLogin(address: string): boolean {
      const key = addressLimitKey(address);
      if (guestLogins.isBlocked(key)) return false;
      guestLogins.recordFailure(key);
      return true;
    },
  };
}
