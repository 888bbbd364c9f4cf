/**
 * The machine's Redis (127.0.0.1:6379; PALAVER_TEST_REDIS overrides) for cluster tests. Each
 * test cluster gets its own key prefix so that suites running side by side never meet. Fails
 * loudly when Redis cannot be reached: these tests never skip.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_TEST_URL = process.env.PALAVER_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses. */
export function testClusterPrefix(): string {
  return `palaver-test-${randomBytes(6).toString('hex')}:`;
}

/** Throws a clear error when Redis is down. */
export async function requireRedis(): Promise<void> {
  const client = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5_000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${REDIS_TEST_URL}: ${String(error)}`);
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under the prefix. */
export async function clearPrefix(prefix: string): Promise<void> {
  const client = new Redis(REDIS_TEST_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
