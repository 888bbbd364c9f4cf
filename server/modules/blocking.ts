import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import { serviceKey } from '../core/services.js';
import { SessionKey } from '../core/session.js';
import { DROP_STANZA, type RouteGuard } from '../core/router.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { randomId } from '../util/random-ids.js';
import { BlockLists, MAX_BLOCKED_ITEMS } from './blocking/block-list.js';
import { updatePresenceAfter } from './blocking/presence.js';
import { isOwnAccount } from './user-data.js';

const NS_BLOCKING = 'urn:xmpp:blocking';
const NS_BLOCKING_ERRORS = 'urn:xmpp:blocking:errors';

/** A client host's users' block lists. */
export const BLOCK_LISTS = serviceKey<BlockLists>('block lists');
/** XEP-0191 §3.3: pushes go to the resources that asked for the list; shared, so that a resource on another cluster node gets them too. */
const WANTS_PUSHES = new SessionKey<boolean>('blocklist requested', () => false, { shared: true });

/**
 * XEP-0191 blocking command for accounts and guests. The lists live in each host's user
 * data (guests: memory). A route guard enforces them on every routed stanza, in both
 * directions: what a blocked entity sends a user is dropped (message and iq requests get
 * service-unavailable, §3.5), and what a user sends to someone they blocked is refused with
 * not-acceptable and <blocked/> (§3.6); presence either way is dropped silently.
 */
export default defineModule({
  name: 'blocking',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    return server.router.addGuard(blockingGuard(server));
  },
  load(host, server) {
    // Accounts on SQLite read from disk: kept in memory (the one process that writes them).
    const lists = new BlockLists(host.users.userData, host.kind === 'account' && server.config.storage.backend === 'sqlite');
    server.services.provide(BLOCK_LISTS, lists, host);
    server.events.on('session-bound', (session) => {
      if (session.host === host) lists.forget(session.bare.toString());
    });
    host.features.add(NS_BLOCKING);

    host.onIq('get', NS_BLOCKING, 'blocklist', 'bare', (ctx) => {
      const session = ownSession(ctx);
      if (!session.get(WANTS_PUSHES)) session.set(WANTS_PUSHES, true);
      return xml('blocklist', { xmlns: NS_BLOCKING }, ...[...lists.items(ctx.to.toString())].map(itemElement));
    });

    host.onIq('set', NS_BLOCKING, 'block', 'bare', (ctx, payload) => {
      ownSession(ctx);
      const jids = requestedJids(payload);
      if (jids.length === 0) throw new StanzaError('modify', 'bad-request', 'name at least one JID to block');
      const user = ctx.to.bare();
      const items = new Set(lists.items(user.toString()));
      const added = jids.filter((jid) => !items.has(jid.toString()));
      for (const jid of added) items.add(jid.toString());
      if (items.size > MAX_BLOCKED_ITEMS) {
        throw new StanzaError('wait', 'resource-constraint', `a block list holds at most ${MAX_BLOCKED_ITEMS} JIDs`);
      }
      lists.save(user.toString(), items);
      for (const jid of added) updatePresenceAfter('block', server, host, user, jid);
      push(server, user, 'block', jids);
      return null;
    });

    host.onIq('set', NS_BLOCKING, 'unblock', 'bare', (ctx, payload) => {
      ownSession(ctx);
      const jids = requestedJids(payload);
      const user = ctx.to.bare();
      const before = lists.items(user.toString());
      // §3.4: an unblock without items empties the list.
      const removed = jids.length === 0 ? [...before] : jids.map((jid) => jid.toString()).filter((jid) => before.has(jid));
      const items = new Set(before);
      for (const jid of removed) items.delete(jid);
      lists.save(user.toString(), items);
      for (const jid of removed) {
        const unblocked = tryParseJid(jid);
        if (unblocked) updatePresenceAfter('unblock', server, host, user, unblocked);
      }
      push(server, user, 'unblock', jids);
      return null;
    });
  },
});

function ownSession(ctx: StanzaContext): NonNullable<StanzaContext['origin']> {
  if (!isOwnAccount(ctx) || !ctx.origin) throw new StanzaError('auth', 'forbidden', 'a block list is only for its owner');
  return ctx.origin;
}

function requestedJids(payload: Element): Jid[] {
  const items = payload.getChildren('item');
  if (items.length > MAX_BLOCKED_ITEMS) {
    throw new StanzaError('modify', 'policy-violation', `at most ${MAX_BLOCKED_ITEMS} JIDs per request`);
  }
  return items.map((item) => {
    const jid = tryParseJid(item.attrs.jid);
    if (!jid) throw new StanzaError('modify', 'jid-malformed', 'an item has no valid jid');
    return jid;
  });
}

function itemElement(jid: string): Element {
  return xml('item', { jid });
}

function push(server: ServerContext, user: Jid, change: 'block' | 'unblock', jids: Jid[]): void {
  for (const session of server.sessions.of(user)) {
    if (!session.get(WANTS_PUSHES)) continue;
    server.router.deliverTo(session.jid, xml('iq', { type: 'set', id: `push-${randomId(9)}`, to: session.jid.toString() },
      xml(change, { xmlns: NS_BLOCKING }, ...jids.map((jid) => itemElement(jid.toString())))));
  }
}

function blockingGuard(server: ServerContext): RouteGuard {
  const listsOf = (domain: string): BlockLists | undefined => server.services.find(BLOCK_LISTS, domain);
  return (ctx) => {
    const { from, to } = ctx;
    // A user with their own server or their own resources: never blocked, so nobody locks themselves out.
    if (from.domain === to.domain && (from.local === null || to.local === null || from.local === to.local)) return undefined;
    if (to.local !== null && listsOf(to.domain)?.blocks(to.bare().toString(), from)) return inboundVerdict(ctx.stanza);
    if (from.local !== null && listsOf(from.domain)?.blocks(from.bare().toString(), to)) return outboundVerdict(ctx.stanza);
    return undefined;
  };
}

function isRequest(stanza: Element): boolean {
  const type = stanza.attrs.type;
  if (stanza.name === 'iq') return type === 'get' || type === 'set';
  return stanza.name === 'message' && type !== 'error';
}

/** §3.5: from a blocked entity to the user. */
function inboundVerdict(stanza: Element): StanzaError | typeof DROP_STANZA {
  return isRequest(stanza) ? new StanzaError('cancel', 'service-unavailable') : DROP_STANZA;
}

/** §3.6: from the user to someone they blocked. */
function outboundVerdict(stanza: Element): StanzaError | typeof DROP_STANZA {
  if (!isRequest(stanza)) return DROP_STANZA;
  return new StanzaError('cancel', 'not-acceptable', 'you have blocked this contact', xml('blocked', { xmlns: NS_BLOCKING_ERRORS }));
}

