import { describe, expect, it } from 'vitest';
import { randomBytesPooled, randomId } from '../../server/util/random-ids.js';

describe('pooled random ids', () => {
  it('hands out distinct ids of the asked length, across many pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(randomId(12));
    expect(seen.size).toBe(5000);
    expect([...seen].every((id) => /^[A-Za-z0-9_-]{16}$/.test(id))).toBe(true);
  });

  it('gives buffers of their own that later draws do not overwrite', () => {
    const first = randomBytesPooled(32);
    const copy = Buffer.from(first);
    for (let i = 0; i < 300; i++) randomBytesPooled(32);
    expect(first.equals(copy)).toBe(true);
  });

  it('refuses impossible sizes', () => {
    expect(() => randomId(0)).toThrow(RangeError);
    expect(() => randomId(5000)).toThrow(RangeError);
    expect(() => randomId(1.5)).toThrow(RangeError);
  });
});
