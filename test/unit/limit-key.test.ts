import { describe, expect, it } from 'vitest';
import { addressLimitKey } from '../../server/access/address.js';

describe('address → limit key', () => {
  it('an IPv4 address is its own key, written canonically', () => {
    expect(addressLimitKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressLimitKey('192.0.2.8')).not.toBe(addressLimitKey('192.0.2.7'));
  });

  it('an IPv4-mapped IPv6 address counts as its IPv4 address', () => {
    expect(addressLimitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressLimitKey('::ffff:c000:207')).toBe('192.0.2.7');
  });

  it('every address of one IPv6 /64 shares a key; the next /64 does not', () => {
    const key = addressLimitKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(addressLimitKey('2001:db8:1:2:ffff:ffff:ffff:fffe')).toBe(key);
    expect(addressLimitKey('2001:0DB8:0001:0002:0:0:0:99')).toBe(key);
    expect(addressLimitKey('2001:db8:1:3::1')).not.toBe(key);
    expect(addressLimitKey('::1')).toBe('0:0:0:0::/64');
  });

  it('something that is not an address is its own key', () => {
    expect(addressLimitKey('unknown')).toBe('unknown');
  });
});
