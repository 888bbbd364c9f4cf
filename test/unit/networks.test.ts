/** Address lists and canonical addresses (server/access/networks.ts, address.ts). */
import { describe, expect, it } from 'vitest';
import { canonicalAddress, NetworkList, parseAddress } from '../../server/access/address.js';
import { normaliseAddress } from '../../server/access/address.js';

describe('addresses', () => {
  it('are canonical however often they are asked for: IPv4-mapped IPv6 is IPv4, garbage is not an address', () => {
    for (let round = 0; round < 3; round++) {
      expect(canonicalAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
      expect(canonicalAddress('2001:DB8::1')).toBe('2001:db8::1');
      expect(canonicalAddress('10.1')).toBeNull();
      expect(parseAddress('not an address')).toBeNull();
      expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
      expect(normaliseAddress('weird')).toBe('weird');
      expect(normaliseAddress(undefined)).toBe('unknown');
    }
  });

  it('stay correct past the cache bound', () => {
    for (let i = 0; i < 5000; i++) expect(canonicalAddress(`::ffff:10.0.${i >> 8}.${i & 255}`)).toBe(`10.0.${i >> 8}.${i & 255}`);
    expect(canonicalAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });
});

describe('network lists', () => {
  it('match addresses and ranges in either IP family form, and an empty list matches nothing', () => {
    const list = new NetworkList(['10.0.0.0/8', '2001:db8::/32', '::ffff:192.168.0.0/112']);
    expect(list.contains('10.9.8.7')).toBe(true);
    expect(list.contains('::ffff:10.9.8.7')).toBe(true);
    expect(list.contains('192.168.5.5')).toBe(true);
    expect(list.contains('2001:db8::42')).toBe(true);
    expect(list.contains('11.0.0.1')).toBe(false);
    expect(list.contains('garbage')).toBe(false);
    expect(new NetworkList([]).contains('10.0.0.1')).toBe(false);
  });
});
