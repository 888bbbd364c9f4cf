import type { TokenBucket } from 'limiter';
import { fullTokenBucket, isRested } from '../../util/token-buckets.js';

/** Users whose buckets are kept past their last session; beyond, rested buckets go first. */
const MAX_KEPT_USERS = 10_000;

/**
 * A token bucket of call invitations per user (bare JID), kept on the node of the user's
 * session: `perMinute` at once, then so many a minute. A guest's bucket goes with its session
 * (its JID never comes back); an account holder's stays, so that signing in again does not
 * refill it, until the map is full and the bucket has filled up again.
 */
export class InvitationLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly maxKeptUsers = MAX_KEPT_USERS,
  ) {}

  /** Takes one invitation for this user; false when it has none left this minute. */
  take(user: string): boolean {
    let bucket = this.buckets.get(user);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeptUsers) this.forgetRested();
      // invitations_per_minute is at least 1 (config schema), so there is always a bucket.
      bucket = fullTokenBucket(this.perMinute, this.perMinute)!;
      this.buckets.set(user, bucket);
    }
    return bucket.tryRemoveTokens(1);
  }

  forget(user: string): void {
    this.buckets.delete(user);
  }

  /** Users with a bucket kept. */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops the buckets that have filled up again (a new one would be the same). */
  private forgetRested(): void {
    for (const [user, bucket] of this.buckets) {
      if (isRested(bucket)) this.buckets.delete(user);
    }
  }
}
