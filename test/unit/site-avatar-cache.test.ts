/**
 * The site-avatar cache (server/modules/site-avatar/cache.ts) on a clock the test moves: a
 * picture is reused for 15 minutes, a failure for 30 s, then 60 s, 120 s... after failures in
 * a row, and a success ends the backoff.
 */
import { describe, expect, it } from 'vitest';
import { AvatarCache } from '../../server/modules/site-avatar/cache.js';
import type { AvatarImage } from '../../server/modules/site-avatar/fetch-image.js';

const PICTURE: AvatarImage = { type: 'image/png', data: Buffer.from('png') };
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A cache whose fetches answer from a script (null: the fetch failed), with its clock and fetch log. */
function cacheWith(answers: (AvatarImage | null)[], maxEntries = 8) {
  const clock = { now: 0 };
  const fetched: string[] = [];
  const cache = new AvatarCache({
    fetch: async (url) => {
      fetched.push(url);
      return answers.shift() ?? null;
    },
    now: () => clock.now,
    maxEntries,
    successMs: 15 * MINUTE,
    firstFailureMs: 30 * SECOND,
  });
  return { cache, clock, fetched };
}

describe('site avatar cache', () => {
  it('keeps a picture for 15 minutes, then fetches it again', async () => {
    const { cache, clock, fetched } = cacheWith([PICTURE, PICTURE]);
    expect(await cache.get('a')).toBe(PICTURE);
    clock.now = 15 * MINUTE - 1;
    expect(await cache.get('a')).toBe(PICTURE);
    expect(fetched).toEqual(['a']);
    clock.now = 15 * MINUTE;
    await cache.get('a');
    expect(fetched).toEqual(['a', 'a']);
  });

  it('keeps a failure for 30 s only, and longer after each failure in a row', async () => {
    const { cache, clock, fetched } = cacheWith([null, null, null]);
    const fetchesAt = async (time: number) => {
      clock.now = time;
      await cache.get('a');
      return fetched.length;
    };
    expect(await fetchesAt(0)).toBe(1);
    expect(await fetchesAt(30 * SECOND - 1)).toBe(1);
    expect(await fetchesAt(30 * SECOND)).toBe(2); // second failure: the next try waits 60 s
    expect(await fetchesAt(90 * SECOND - 1)).toBe(2);
    expect(await fetchesAt(90 * SECOND)).toBe(3); // third: 120 s
    expect(await fetchesAt(210 * SECOND - 1)).toBe(3);
    expect(await fetchesAt(210 * SECOND)).toBe(4);
  });

  it('never waits longer after failures than it keeps a picture', async () => {
    const { cache, clock, fetched } = cacheWith(Array(12).fill(null));
    for (let i = 0; i < 10; i++) {
      clock.now += 15 * MINUTE;
      await cache.get('a');
    }
    expect(fetched).toHaveLength(10);
  });

  it('a success after failures ends the backoff', async () => {
    const { cache, clock, fetched } = cacheWith([null, null, PICTURE, null]);
    await cache.get('a');
    clock.now = 30 * SECOND;
    await cache.get('a');
    clock.now = 90 * SECOND;
    expect(await cache.get('a')).toBe(PICTURE);
    clock.now = 90 * SECOND + 15 * MINUTE;
    expect(await cache.get('a')).toBeNull();
    clock.now += 30 * SECOND; // back to the first failure's wait
    await cache.get('a');
    expect(fetched).toHaveLength(5);
  });

  it('shares one fetch between guests signing in at once', async () => {
    const { cache, fetched } = cacheWith([PICTURE]);
    const [first, second] = await Promise.all([cache.get('a'), cache.get('a')]);
    expect(first).toBe(PICTURE);
    expect(second).toBe(PICTURE);
    expect(fetched).toEqual(['a']);
  });

  it('holds at most maxEntries URLs, forgetting the oldest', async () => {
    const { cache, fetched } = cacheWith([PICTURE, PICTURE, PICTURE, PICTURE], 2);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    await cache.get('b');
    await cache.get('a');
    expect(fetched).toEqual(['a', 'b', 'c', 'a']);
  });
});
