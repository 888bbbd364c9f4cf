import { StanzaError } from '../xml/errors.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { isKeptMessage } from '../mam/kept.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { ArchiveRetention } from '../mam/retention.js';
import { HELD_MESSAGES } from './presence/held-messages.js';
import { deliverOffline, holdOffline } from './offline-messages/store.js';
import { mayBeGuest } from './account-archive/archiving.js';

/**
 * RFC 6121 §8.5.2.2.1 offline messages for account holders: a message (what a person wrote)
 * to an existing account with no session is kept in storage.offline, up to
 * [limits].offline_messages per account (0: none, delivery bounces as before). Past the cap
 * the message bounces with service-unavailable. At the account's next initial presence
 * (priority >= 0) they are delivered, oldest first, with a <delay from='domain'/> (XEP-0203),
 * and deleted; those nobody came back for are deleted after [server].archive_expires_after,
 * as the archive's. Guests never get any: their address dies with their session.
 */
export default defineModule({
  name: 'offline',
  hostKinds: ['account'],
  setup(server) {
    const { offline } = server.storage;
    const retention = new ArchiveRetention({ expire: async (cutoff, limit) => offline.expire(cutoff, limit) }, {
      maxAge: server.config.server.archive_expires_after, now: server.now, log: server.log, name: 'offline message',
    });
    retention.start();
    server.events.on('shutdown', () => retention.stop());
    return () => retention.stop();
  },
  load(host, server) {
    // After the account archive (20) stamped its stanza-id, before held messages (1) and delivery (0).
    host.on('message', 'bare', (ctx) => keepIfOffline(server, ctx), 2);
    host.on('message', 'full', (ctx) => keepIfOffline(server, ctx), 2);
    const held = server.services.get(HELD_MESSAGES);
    held.deliverEarlier((session) => {
      if (session.host === host) deliverOffline(server, session);
    });
    // Held for a session that went away before its initial presence: offline now.
    held.keepWhenGone((user, stanza) => {
      const owner = tryParseJid(user);
      const cap = server.config.limits.offline_messages;
      return owner?.domain === host.name && cap > 0 && isAccount(server, owner) && holdOffline(server, user, stanza, cap);
    });
  },
});

function isAccount(server: ServerContext, jid: Jid): boolean {
  return jid.local !== null && server.storage.accounts.exists(jid.local, jid.domain);
}

function keepIfOffline(server: ServerContext, ctx: StanzaContext): boolean {
  const cap = server.config.limits.offline_messages;
  if (cap === 0 || !isKeptMessage(ctx.stanza, 'no-store') || mayBeGuest(server, ctx.from)) return false;
  const owner = ctx.to.bare();
  // Anyone signed in, on any node, gets it live (or held until their initial presence).
  if (server.sessions.of(owner).length > 0 || !isAccount(server, owner)) return false;
  if (!holdOffline(server, owner.toString(), ctx.stanza, cap)) {
    server.router.bounce(ctx.stanza, new StanzaError('cancel', 'service-unavailable',
      'the recipient is offline and has as many messages waiting as this server keeps'), ctx.origin);
  }
  return true;
}
