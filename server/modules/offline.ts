import type { Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { OFFLINE_STORAGE } from '../core/offline-storage.js';
import { isKeptMessage } from '../mam/kept.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { ArchiveRetention } from '../mam/retention.js';
import { HELD_MESSAGES } from './presence/held-messages.js';
import { deliverOffline, holdOffline, isAccount, withoutOwnDelay } from './offline-messages/store.js';
import { mayBeGuest } from './account-archive/archiving.js';

/**
 * RFC 6121 §8.5.2.2.1 offline messages for account holders: a message (what a person wrote)
 * to an existing account with no session is kept in storage.offline, up to
 * [limits].offline_messages per account (0: none, delivery bounces as before). Past the cap
 * the message bounces with service-unavailable. At the account's next initial presence
 * (priority >= 0) they are delivered, oldest first, with a <delay from='domain'/> (XEP-0203),
 * and deleted; those nobody came back for are deleted after [server].archive_expires_after,
 * as the archive's. Guests never get any: their address dies with their session, and what a
 * guest writes is never kept on disk for anyone.
 *
 * Three ways in, one rule (takes()): a message to an account with no session; what waited
 * for a session's initial presence when that session went away (HELD_MESSAGES); and what a
 * stream-management session never acknowledged when it ended for good (OFFLINE_STORAGE, used
 * by stream/sm/session-end.ts).
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
      return owner?.domain === host.name && takes(server, owner, stanza) && hold(server, owner, stanza);
    });
    // Delivered to a session whose client never acknowledged it, and that session is gone.
    server.services.provide(OFFLINE_STORAGE, {
      keep(owner, stanza) {
        if (!takes(server, owner, stanza)) return false;
        const first = withoutOwnDelay(server, host.name, stanza);
        return hold(server, owner, first.stanza, first.timestamp);
      },
    }, host);
  },
});

/** Whether offline storage is for this message: on, a person's words, from no possible guest, to an account. */
function takes(server: ServerContext, owner: Jid, stanza: Element): boolean {
  const from = tryParseJid(stanza.attrs.from);
  return server.config.limits.offline_messages > 0 && from !== null && isKeptMessage(stanza, 'no-store')
    && !mayBeGuest(server, from) && isAccount(server, owner);
}

function hold(server: ServerContext, owner: Jid, stanza: Element, timestamp?: number): boolean {
  return holdOffline(server, owner.toString(), stanza, server.config.limits.offline_messages, timestamp);
}

function keepIfOffline(server: ServerContext, ctx: StanzaContext): boolean {
  const owner = ctx.to.bare();
  // Anyone signed in, on any node, gets it live (or held until their initial presence).
  if (server.sessions.of(owner).length > 0 || !takes(server, owner, ctx.stanza)) return false;
  if (!hold(server, owner, ctx.stanza)) {
    server.router.bounce(ctx.stanza, new StanzaError('cancel', 'service-unavailable',
      'the recipient is offline and has as many messages waiting as this server keeps'), ctx.origin);
  }
  return true;
}
