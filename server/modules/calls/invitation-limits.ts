import { KeyedTokenBuckets } from '../../util/token-buckets.js';

/** Users whose buckets are kept past their last session; beyond, rested buckets go first. */
const MAX_KEPT_USERS = 10_000;

/**
 * A token bucket of call invitations per user (bare JID), kept on the node of the user's
 * session: `perMinute` at once, then so many a minute. A guest's bucket goes with its session
 * (its JID never comes back); an account holder's stays, so that signing in again does not
 * refill it, until the map is full and the bucket has filled up again.
 */
export class InvitationLimits extends KeyedTokenBuckets {
  constructor(perMinute: number, maxKeptUsers = MAX_KEPT_USERS) {
    super({ burst: perMinute, perMinute, maxKeys: maxKeptUsers, keepUnrested: true });
  }
}
