/**
 * Token buckets for "so many a minute, so many at once" limits (room flood control, one-to-one
 * messages). Built on the `limiter` package's TokenBucket, which starts a bucket empty: these
 * helpers start it full, so that a newcomer gets the whole burst.
 */
import { TokenBucket } from 'limiter';

/** A full bucket of `burst` tokens refilled at `perMinute`; null when `perMinute` is 0 (no limit). */
export function fullTokenBucket(burst: number, perMinute: number): TokenBucket | null {
  if (perMinute === 0) return null;
  const tokens = new TokenBucket({ bucketSize: burst, tokensPerInterval: perMinute, interval: 'minute' });
  tokens.content = burst;
  return tokens;
}

/** Whether the bucket has filled up again (a new one would be the same), after adding what dripped in. */
export function isRested(tokens: TokenBucket | null): boolean {
  if (!tokens) return true;
  tokens.drip();
  return tokens.content >= tokens.bucketSize;
}

export interface KeyedTokenBucketsOptions {
  burst: number;
  /** Tokens per minute; 0 = no limit (take() always says yes and nothing is kept). */
  perMinute: number;
  /** Keys kept at most; beyond, rested buckets go first, then the oldest. Default 100 000. */
  maxKeys?: number;
  /**
   * Never drop a bucket that has not filled up again, even past maxKeys: for limits whose
   * keys are bounded elsewhere (sessions), where a fresh bucket would be a free refill.
   */
  keepUnrested?: boolean;
}

/**
 * One bucket per key (a user), bounded: memory holds at most maxKeys buckets. Dropping a
 * bucket that is not rested gives its key a full one again, which only matters under a flood
 * of distinct keys, and then bounded memory matters more.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly maxKeys: number;

  constructor(private readonly options: KeyedTokenBucketsOptions) {
    this.maxKeys = Math.max(1, options.maxKeys ?? 100_000);
  }

  /** Takes one token for the key; false when it has none left. */
  take(key: string): boolean {
    let tokens = this.buckets.get(key);
    if (!tokens) {
      const fresh = fullTokenBucket(this.options.burst, this.options.perMinute);
      if (!fresh) return true;
      if (this.buckets.size >= this.maxKeys) this.makeRoom();
      this.buckets.set(key, tokens = fresh);
    }
    return tokens.tryRemoveTokens(1);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Buckets kept (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private makeRoom(): void {
    for (const [key, tokens] of this.buckets) if (isRested(tokens)) this.buckets.delete(key);
    if (this.options.keepUnrested) return;
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < this.maxKeys) break;
      this.buckets.delete(key);
    }
  }
}
