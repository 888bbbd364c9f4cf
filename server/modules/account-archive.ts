import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import type { Host, StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { isKeptMessage } from '../mam/kept.js';
import { queryForm, type WithFilter } from '../mam/query.js';
import { metadata, runQuery, type QueriedArchive } from '../mam/serve.js';
import { ArchiveRetention } from '../mam/retention.js';
import { archiveFor, stampStanzaId, stripForgedStanzaIds } from './account-archive/archiving.js';
import { stripClientStanzaIds } from './account-archive/client-stanza-ids.js';
import { offlineHasRoom } from './offline-messages/store.js';
import { loadPrefs, parsePrefs, prefsElement, savePrefs } from './account-archive/prefs.js';

/**
 * XEP-0313 on account holders' bare JIDs: their one-to-one messages, both directions, kept
 * in storage.accountArchive with queries, paging, filters and full-text search as the rooms'
 * (server/mam/), XEP-0313 §6 preferences, and [server].archive_expires_after retention.
 * Guests (the anonymous host) get none: nothing of theirs is kept, and their disco says no MAM.
 *
 * Both copies of a message (the sender's and the recipient's, each account that keeps it)
 * are written as it reaches the recipient's host, and only when it will be delivered or
 * kept: a message that bounces (no such account, blocked, the recipient offline with
 * offline storage full or off) is in nobody's archive, as the sender was told it failed.
 */
export default defineModule({
  name: 'account-archive',
  hostKinds: ['account'],
  setup(server) {
    const retention = new ArchiveRetention(server.storage.accountArchive, {
      maxAge: server.config.server.archive_expires_after, now: server.now, log: server.log, name: 'account archive',
    });
    retention.start();
    server.events.on('shutdown', () => retention.stop());
    const removeGuard = server.router.addGuard(stripClientStanzaIds(server));
    return () => {
      retention.stop();
      removeGuard();
    };
  },
  load(host, server) {
    host.accountFeatures.add(NS.mam);
    host.accountFeatures.add(`${NS.mam}#extended`);
    host.accountFeatures.add('urn:xmpp:fulltext:0');
    host.accountFeatures.add(NS.sid);

    host.onIq('get', NS.mam, 'query', 'bare', (ctx) => {
      ownArchive(server, ctx);
      return queryForm();
    });
    host.onIq('set', NS.mam, 'query', 'bare', (ctx, query) => runQuery(server, ownArchive(server, ctx), ctx, query));
    host.onIq('get', NS.mam, 'metadata', 'bare', (ctx) => metadata(ownArchive(server, ctx)));
    host.onIq('get', NS.mam, 'prefs', 'bare', (ctx) => {
      ownArchive(server, ctx);
      return prefsElement(loadPrefs(host.users.userData, ctx.to.toString()));
    });
    host.onIq('set', NS.mam, 'prefs', 'bare', (ctx, payload) => {
      ownArchive(server, ctx);
      const prefs = parsePrefs(payload);
      savePrefs(host.users.userData, ctx.to.toString(), prefs);
      return prefsElement(prefs);
    });

    // Before carbons (5), held (1) and offline messages (2) copy or keep it, so they carry the stanza-id.
    host.on('message', 'bare', (ctx) => archiveBothCopies(server, host, ctx), 20);
    host.on('message', 'full', (ctx) => archiveBothCopies(server, host, ctx), 20);
  },
});

/** Only the account itself reads or configures its archive (XEP-0313 §5.1.1). */
function ownArchive(server: ServerContext, ctx: StanzaContext): QueriedArchive {
  if (!ctx.from.bare().equals(ctx.to)) throw new StanzaError('cancel', 'forbidden', 'only the account itself may read its archive');
  const jid = ctx.to.toString();
  return { jid, key: jid, store: server.storage.accountArchive, readWith: peerWith };
}

/** In an account's archive 'with' names the peer: a bare JID matches every resource, a full JID only that one. */
const peerWith: WithFilter = (jid) => (jid.isBare ? { nick: jid.toString() } : { nick: jid.bare().toString(), occupantId: jid.toString() });

function archiveBothCopies(server: ServerContext, host: Host, ctx: StanzaContext): false {
  const owner = ctx.to.bare();
  const user = owner.toString();
  stripForgedStanzaIds(ctx.stanza, user);
  if (!isKeptMessage(ctx.stanza, 'no-permanent-store') || !reachesRecipient(server, owner)) return false;
  // The sender's copy first: it must not carry the recipient's stanza-id. To oneself: kept once, as received.
  const senderHost = server.hosts.get(ctx.from.domain);
  if (senderHost?.kind === 'account' && !ctx.from.bare().equals(owner)) {
    archiveFor(server, senderHost, ctx.from.bare(), ctx.to, ctx.stanza);
  }
  const id = archiveFor(server, host, owner, ctx.from, ctx.stanza);
  if (id !== undefined) stampStanzaId(ctx.stanza, user, id);
  return false;
}

/**
 * Whether a message to `owner` will be delivered or kept: someone is signed in (it goes to
 * them, or waits for their initial presence), or offline storage takes one more. What the
 * handlers after this one decide is not known yet; this is their rule, read in advance.
 */
function reachesRecipient(server: ServerContext, owner: Jid): boolean {
  return server.sessions.of(owner).length > 0 || offlineHasRoom(server, owner);
}
