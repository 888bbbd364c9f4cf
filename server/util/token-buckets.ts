import { TokenBucket } from 'limiter';

/** A bucket of `size` tokens refilled at `perMinute`, full from the start (the library starts one empty). */
export function fullBucket(size: number, perMinute: number): TokenBucket {
  const bucket = new TokenBucket({ bucketSize: size, tokensPerInterval: perMinute, interval: 'minute' });
  bucket.content = size;
  return bucket;
}

/**
 * Whether the bucket has filled up again, so that a new one would be the same. The library
 * adds the tokens earned since the last use only when asked (drip); `content` alone is what
 * the bucket held at its last use, and would keep a long-idle bucket looking empty.
 */
export function isRested(bucket: TokenBucket): boolean {
  bucket.drip();
  return bucket.content >= bucket.bucketSize;
}
