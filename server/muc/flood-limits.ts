/**
 * Flood control in rooms: per occupant, a token bucket for groupchat messages and one for
 * presence changes ([muc] message_burst, messages_per_minute, presence_burst,
 * presence_changes_per_minute). Moderators are exempt.
 *
 * Over the limit a stanza is refused with `wait` / `policy-violation`: the sender broke the
 * room's rate policy (RFC 6120 §8.3.3.12, whose type may be "wait"); `resource-constraint`
 * would say the server itself is short of resources, which it is not.
 *
 * Buckets are kept per real bare JID, not per occupant, so that leaving and rejoining does
 * not refill them; an entry is dropped once its user is gone and its buckets are full again.
 */
import type { TokenBucket } from 'limiter';
import { fullTokenBucket, isRested } from '../util/token-buckets.js';
import { StanzaError } from '../xml/errors.js';
import { StateKey } from '../core/keyed-state.js';
import type { Config } from '../config/types.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import type { Room } from './room.js';

export type FloodKind = 'message' | 'presence';

const TOO_FAST: Record<FloodKind, string> = {
  message: 'You are sending messages too fast; wait a few seconds.',
  presence: 'You are changing your presence too fast; wait a few seconds.',
};

type Buckets = Record<FloodKind, TokenBucket | null>;

/** Each room's buckets, by real bare JID. */
const BUCKETS = new StateKey<Map<string, Buckets>>('flood buckets', () => new Map());

/** The error for a stanza over the limit. */
export function tooFast(kind: FloodKind): StanzaError {
  return new StanzaError('wait', 'policy-violation', TOO_FAST[kind]);
}

/**
 * Takes one token of `kind` for this user in this room; false when there is none.
 * `occupant` is undefined for a joiner, exempt when their affiliation makes them a moderator.
 */
export function tryToken(muc: MucContext, room: Room, bare: string, occupant: Occupant | undefined, kind: FloodKind): boolean {
  const role = occupant?.role ?? room.defaultRole(room.affiliationOf(bare));
  if (role === 'moderator') return true;
  const users = room.state.get(BUCKETS);
  let user = users.get(bare);
  if (!user) {
    forgetRestedUsers(room, users);
    users.set(bare, user = newBuckets(muc.server.config.muc));
  }
  return user[kind]?.tryRemoveTokens(1) ?? true;
}

function newBuckets(config: Config['muc']): Buckets {
  return {
    message: fullTokenBucket(config.message_burst, config.messages_per_minute),
    presence: fullTokenBucket(config.presence_burst, config.presence_changes_per_minute),
  };
}

/**
 * Entries of users who left the room and whose buckets have filled up again hold nothing
 * worth keeping. Swept when the map outgrows the room, so it stays within the occupants plus
 * those who left in the last burst / rate seconds.
 */
function forgetRestedUsers(room: Room, users: Map<string, Buckets>): void {
  if (users.size < 2 * room.occupants.size + 32) return;
  for (const [bare, user] of users) {
    if (room.occupantsOf(bare).length === 0 && isRested(user.message) && isRested(user.presence)) users.delete(bare);
  }
}
