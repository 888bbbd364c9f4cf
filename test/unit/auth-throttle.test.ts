import { describe, expect, it } from 'vitest';
import { AuthThrottle } from '../../server/sasl/auth-throttle.js';

function throttle(start = 1_000_000): { auth: AuthThrottle; advance: (ms: number) => void } {
  let t = start;
  return { auth: new AuthThrottle({ perAddress: 3, perAccount: 4, now: () => t }), advance: (ms) => { t += ms; } };
}

describe('sign-in failure throttle per address and per account', () => {
  it("no success clears an address's failures: only the window does", () => {
    const { auth, advance } = throttle();
    auth.recordFailure('192.0.2.1', 'alice@localhost');
    auth.recordFailure('192.0.2.1', 'alice@localhost');
    auth.accountSucceeded('bob@localhost');
    auth.accountSucceeded('alice@localhost');
    auth.recordFailure('192.0.2.1', 'alice@localhost');
    expect(auth.addressBlocked('192.0.2.1')).toBe(true);
    expect(auth.addressBlocked('192.0.2.2')).toBe(false);
    advance(60_000);
    expect(auth.addressBlocked('192.0.2.1')).toBe(false);
  });

  it("an account's failures from many addresses add up; only its own success clears them", () => {
    const { auth } = throttle();
    for (let i = 1; i <= 4; i++) auth.recordFailure(`192.0.2.${i}`, 'alice@localhost');
    expect(auth.accountBlocked('alice@localhost')).toBe(true);
    expect(auth.accountBlocked('bob@localhost')).toBe(false);
    auth.accountSucceeded('bob@localhost');
    expect(auth.accountBlocked('alice@localhost')).toBe(true);
    auth.accountSucceeded('alice@localhost');
    expect(auth.accountBlocked('alice@localhost')).toBe(false);
  });

  it('the account block lifts when the window has passed: its owner is not locked out for good', () => {
    const { auth, advance } = throttle();
    for (let i = 1; i <= 4; i++) auth.recordFailure(`192.0.2.${i}`, 'alice@localhost');
    advance(59_999);
    expect(auth.accountBlocked('alice@localhost')).toBe(true);
    advance(1);
    expect(auth.accountBlocked('alice@localhost')).toBe(false);
  });

  it('a failure that named no account counts for the address only', () => {
    const { auth } = throttle();
    for (let i = 0; i < 3; i++) auth.recordFailure('192.0.2.1', undefined);
    expect(auth.addressBlocked('192.0.2.1')).toBe(true);
  });

  it('IPv6 failures count per /64, IPv4-mapped addresses as IPv4', () => {
    const { auth } = throttle();
    auth.recordFailure('2001:db8:0:1::1', undefined);
    auth.recordFailure('2001:db8:0:1::2', undefined);
    auth.recordFailure('2001:db8:0:1:aaaa::3', undefined);
    expect(auth.addressBlocked('2001:db8:0:1::99')).toBe(true);
    expect(auth.addressBlocked('2001:db8:0:2::1')).toBe(false);

    auth.recordFailure('::ffff:198.51.100.7', undefined);
    auth.recordFailure('198.51.100.7', undefined);
    auth.recordFailure('::ffff:198.51.100.7', undefined);
    expect(auth.addressBlocked('198.51.100.7')).toBe(true);
  });
});
