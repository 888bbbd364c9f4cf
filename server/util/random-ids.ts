/**
 * Random ids from one pooled CSPRNG buffer. A synchronous crypto.randomBytes call costs
 * ≈ 30 µs however few bytes it returns (profiled in bench/RESULTS.md: four per login, one per
 * groupchat message), so bytes are drawn 4 KiB at a time and handed out in slices. They are
 * the same crypto-strength bytes; each is handed out once.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
/** Bytes before this offset have been handed out; starts exhausted so the first use fills. */
let offset = POOL_SIZE;

/** n fresh random bytes in a buffer of their own (safe to keep). n must be ≤ 4096. */
export function randomBytesPooled(n: number): Buffer {
  return Buffer.from(take(n));
}

/** n random bytes as a base64url string (ids, resources, tokens). */
export function randomId(n: number): string {
  return take(n).toString('base64url');
}

/** A view of the pool, valid only until the next call: callers copy or encode it at once. */
function take(n: number): Buffer {
  if (!Number.isInteger(n) || n <= 0 || n > POOL_SIZE) throw new RangeError(`cannot take ${n} random bytes`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + n);
  offset += n;
  return slice;
}
