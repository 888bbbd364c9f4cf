import { describe, expect, it } from 'vitest';
import { FailureThrottle } from '../../server/access/failure-throttle.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

describe('SASL failure throttle', () => {
  it('blocks an address after `limit` failures within a minute, not before', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 3, now: c.now });
    throttle.recordFailure('192.0.2.1');
    throttle.recordFailure('192.0.2.1');
    expect(throttle.isBlocked('192.0.2.1')).toBe(false);
    throttle.recordFailure('192.0.2.1');
    expect(throttle.isBlocked('192.0.2.1')).toBe(true);
    expect(throttle.isBlocked('192.0.2.2')).toBe(false);
  });

  it('the window slides: the block lifts when the oldest failure is a minute old', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 3, now: c.now });
    throttle.recordFailure('a');
    c.advance(30_000);
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    expect(throttle.isBlocked('a')).toBe(true);
    c.advance(29_999);
    expect(throttle.isBlocked('a')).toBe(true);
    c.advance(1);
    expect(throttle.isBlocked('a')).toBe(false);
    // One more failure within the minute of the other two blocks again.
    throttle.recordFailure('a');
    expect(throttle.isBlocked('a')).toBe(true);
    c.advance(60_000);
    expect(throttle.isBlocked('a')).toBe(false);
  });

  it('failures spread out over more than a minute never block', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 2, now: c.now });
    for (let i = 0; i < 10; i++) {
      throttle.recordFailure('a');
      expect(throttle.isBlocked('a')).toBe(false);
      c.advance(60_001);
    }
  });

  it('clear() on success forgets the failures', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 2, now: c.now });
    throttle.recordFailure('a');
    throttle.recordFailure('a');
    expect(throttle.isBlocked('a')).toBe(true);
    throttle.clear('a');
    expect(throttle.isBlocked('a')).toBe(false);
    throttle.recordFailure('a');
    expect(throttle.isBlocked('a')).toBe(false);
  });

  it('a custom window is honoured', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 1, windowMs: 1000, now: c.now });
    throttle.recordFailure('a');
    expect(throttle.isBlocked('a')).toBe(true);
    c.advance(1000);
    expect(throttle.isBlocked('a')).toBe(false);
  });

  it('memory is bounded: expired entries are swept and the key count is capped', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 2, now: c.now, maxKeys: 100 });
    for (let i = 0; i < 50; i++) throttle.recordFailure(`old-${i}`);
    expect(throttle.size).toBe(50);
    c.advance(60_000);
    throttle.recordFailure('new');
    expect(throttle.size).toBe(1);

    for (let i = 0; i < 1000; i++) throttle.recordFailure(`k-${i}`);
    expect(throttle.size).toBe(100);
    // The most recent keys survive; the least recently failing were evicted.
    throttle.recordFailure('k-999');
    expect(throttle.isBlocked('k-999')).toBe(true);
    expect(throttle.isBlocked('k-0')).toBe(false);
  });

  it('a key keeps at most `limit` timestamps however many failures it records', () => {
    const c = clock();
    const throttle = new FailureThrottle({ limit: 5, now: c.now });
    for (let i = 0; i < 10_000; i++) throttle.recordFailure('flood');
    expect(throttle.size).toBe(1);
    expect(throttle.isBlocked('flood')).toBe(true);
    c.advance(60_000);
    expect(throttle.isBlocked('flood')).toBe(false);
  });

  it('refuses a nonsensical limit', () => {
    expect(() => new FailureThrottle({ limit: 0 })).toThrow(RangeError);
  });
});
