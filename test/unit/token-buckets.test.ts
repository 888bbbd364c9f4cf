import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyedTokenBuckets } from '../../server/util/token-buckets.js';

/** Takes `count` tokens for the key; what each take answered. */
const takes = (buckets: KeyedTokenBuckets, key: string, count: number) => Array.from({ length: count }, () => buckets.take(key));

describe('token buckets per key', () => {
  // limiter's buckets read performance.now(): a fake clock makes refills exact.
  beforeEach(() => vi.useFakeTimers({ toFake: ['performance'] }));
  afterEach(() => vi.useRealTimers());

  it('a newcomer gets the whole burst, then tokens come back at the rate', () => {
    const buckets = new KeyedTokenBuckets({ burst: 3, perMinute: 6 });
    expect(takes(buckets, 'alice', 4)).toEqual([true, true, true, false]);
    expect(takes(buckets, 'bob', 1)).toEqual([true]); // each key has its own
    vi.advanceTimersByTime(10_000); // one token in ten seconds at six a minute
    expect(takes(buckets, 'alice', 2)).toEqual([true, false]);
    vi.advanceTimersByTime(60_000);
    expect(takes(buckets, 'alice', 4)).toEqual([true, true, true, false]); // never more than the burst
  });

  it('no limit at 0 per minute, and nothing kept', () => {
    const buckets = new KeyedTokenBuckets({ burst: 1, perMinute: 0 });
    expect(takes(buckets, 'alice', 100).every(Boolean)).toBe(true);
    expect(buckets.size).toBe(0);
  });

  it('keeps at most maxKeys buckets: rested ones go first, then the oldest', () => {
    const buckets = new KeyedTokenBuckets({ burst: 2, perMinute: 60, maxKeys: 2 });
    takes(buckets, 'rested', 1);
    vi.advanceTimersByTime(5_000);
    expect(takes(buckets, 'busy', 3)).toEqual([true, true, false]);
    takes(buckets, 'new', 1); // over the cap: the rested bucket goes, the busy one stays empty
    expect(buckets.size).toBe(2);
    expect(buckets.take('busy')).toBe(false);
    takes(buckets, 'newer', 1); // nothing rested: the oldest goes, and comes back with a full bucket
    expect(buckets.size).toBe(2);
    expect(takes(buckets, 'busy', 1)).toEqual([true]);
    expect(buckets.size).toBe(2);
  });

  it('a forgotten key starts again with the whole burst', () => {
    const buckets = new KeyedTokenBuckets({ burst: 1, perMinute: 1 });
    expect(takes(buckets, 'guest', 2)).toEqual([true, false]);
    buckets.forget('guest');
    expect(buckets.take('guest')).toBe(true);
  });
});
