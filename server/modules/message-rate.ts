/**
 * One-to-one message rate: each user (bare JID; an account's resources share it) may send
 * [limits].messages_per_minute messages to users and to room occupants (private messages),
 * a minute's worth at once at most; 0 = no limit. Every message stanza counts, typing
 * notifications and receipts too: a flood of them costs the recipients as much. Groupchat
 * to a room is the room's business ([muc] flood limits, muc/flood-limits.ts).
 *
 * Over the limit the message is dropped and its sender gets `wait` / `policy-violation`, as
 * in rooms; nobody else notices. A sender who keeps going only fills their own connection
 * with errors, and past [limits].max_outgoing_buffer that connection alone is cut off.
 *
 * A route guard, so it runs on the sender's node before any host's handlers (blocking,
 * carbons, delivery, a room's forwarding) and whatever node the recipient is on. Buckets live
 * in this process: a user's sessions are on one node each, so a user with resources on
 * several nodes gets a bucket per node.
 */
import { StanzaError } from '../xml/errors.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import type { Session } from '../core/session.js';
import { KeyedTokenBuckets } from '../util/token-buckets.js';

const TOO_FAST_TEXT = 'You are sending messages too fast; wait a few seconds.';

export default defineModule({
  name: 'message-rate',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    let perMinute = server.config.limits.messages_per_minute;
    let buckets = bucketsFor(perMinute);
    server.events.on('session-closed', (session) => {
      // A guest's JID never comes back: its bucket goes with it.
      if (session.isGuest && !session.isRemote) buckets.forget(session.bare.toString());
    });
    server.events.on('config-reloaded', () => {
      // A new limit starts afresh: the old buckets were filled against the old one.
      if (server.config.limits.messages_per_minute === perMinute) return;
      perMinute = server.config.limits.messages_per_minute;
      buckets = bucketsFor(perMinute);
    });
    return server.router.addGuard((ctx) => {
      const sender = oneToOneSender(ctx);
      if (!sender || buckets.take(sender.bare.toString())) return undefined;
      return new StanzaError('wait', 'policy-violation', TOO_FAST_TEXT);
    });
  },
});

function bucketsFor(perMinute: number): KeyedTokenBuckets {
  return new KeyedTokenBuckets({ burst: perMinute, perMinute });
}

/**
 * The client session that sent this message to a user or a room occupant, or null when it
 * is something else: not a message, sent by the server or a room (origin null: a room's
 * forwarded private message was counted when its sender sent it), or addressed to a room,
 * a service or a domain.
 */
function oneToOneSender(ctx: StanzaContext): Session | null {
  if (ctx.stanza.name !== 'message' || !ctx.origin || ctx.to.isDomain) return null;
  if (ctx.host.acceptsClients) return ctx.origin;
  if (ctx.host.kind === 'muc' && !ctx.to.isBare) return ctx.origin;
  return null;
}
