import { addressLimitKey } from '../access/address.js';
import { FailureThrottle } from '../access/failure-throttle.js';
import type { SignInThrottle } from '../access/cluster-auth-throttle.js';

export interface AuthThrottleOptions {
  /** Failed sign-ins per client address (IPv4, or IPv6 /64) per window. */
  perAddress: number;
  /** Failed sign-ins naming one account, from anywhere, per window. */
  perAccount: number;
  windowMs?: number;
  maxKeys?: number;
  now?: () => number;
}

/**
 * Password guessing limits, counted twice: per client address, so one network cannot try
 * many accounts, and per account, so many networks cannot try one account.
 *
 * Only an account's own successful sign-in clears that account's count. An address's count
 * is never cleared by a success: it only expires with the window. A success proves only that
 * someone at the address knows one password (or that guests may sign in), not that the other
 * attempts from there were mistakes, and an attacker owns an account or a guest sign-in as
 * easily as anyone; clearing on success is what let guessing run at ~240 attempts a minute.
 * The price is small: someone who mistyped a few times and then signed in keeps those
 * failures against their address for at most one window.
 *
 * Both counters are sliding windows with bounded memory (FailureThrottle). An account is
 * refused for at most one window after the failures stop, so its owner is never locked out
 * for good; while someone keeps guessing, the owner waits like the guesser does.
 */
export class AuthThrottle implements SignInThrottle {
  private readonly byAddress: FailureThrottle;
  private readonly byAccount: FailureThrottle;

  constructor(options: AuthThrottleOptions) {
    const common = { windowMs: options.windowMs, maxKeys: options.maxKeys, now: options.now };
    this.byAddress = new FailureThrottle({ ...common, limit: options.perAddress });
    this.byAccount = new FailureThrottle({ ...common, limit: options.perAccount });
  }

  addressBlocked(address: string): boolean {
    return this.byAddress.isBlocked(addressLimitKey(address));
  }

  /** `account` is a bare JID (localpart@host). */
  accountBlocked(account: string): boolean {
    return this.byAccount.isBlocked(account);
  }

  /** A failed attempt from `address`, naming `account` (a bare JID) when the client named one. */
  recordFailure(address: string, account: string | undefined): void {
    this.byAddress.recordFailure(addressLimitKey(address));
    if (account !== undefined) this.byAccount.recordFailure(account);
  }

  /** The account's owner signed in: its earlier failures no longer count. */
  accountSucceeded(account: string): void {
    this.byAccount.clear(account);
  }
}
