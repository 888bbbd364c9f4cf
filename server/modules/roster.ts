import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import { NO_REPLY, type StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import type { Session } from '../core/session.js';
import type { RosterItem } from '../storage/types.js';
import { STREAM_EXTENSIONS } from '../core/stream-extensions.js';
import { ROSTERS, ROSTER_LIMITS, RosterService, itemElement } from './roster/service.js';
import { cancelSubscriptions } from './presence/subscription.js';

/**
 * RFC 6121 §2: the roster of accounts (in storage) and guests (in memory), with versioning
 * (§2.6) and pushes to every resource that fetched it. Pre-approval (§3.4) is implemented by
 * the presence module and advertised here with versioning, once per server.
 */
export default defineModule({
  name: 'roster',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    const extensions = server.services.get(STREAM_EXTENSIONS);
    extensions.advertise(() => xml('ver', { xmlns: NS.rosterver }));
    extensions.advertise(() => xml('sub', { xmlns: 'urn:xmpp:features:pre-approval' }));
    server.services.provide(ROSTERS, new RosterService(server));
  },
  load(host, server) {
    host.onIq('get', NS.roster, 'query', 'bare', (ctx, query) => getRoster(server, ownSession(ctx), query));
    host.onIq('set', NS.roster, 'query', 'bare', (ctx, query) => setRoster(server, ctx, ownSession(ctx), query));
  },
});

/** RFC 6121 §2.1.3 / §2.3.3: only the user's own resources touch the roster. */
function ownSession(ctx: StanzaContext): Session {
  if (!ctx.origin || !ctx.origin.bare.equals(ctx.to)) {
    throw new StanzaError('auth', 'forbidden', 'a roster belongs to its user');
  }
  return ctx.origin;
}

/** RFC 6121 §2.1.3, §2.6.3: the whole roster, or an empty result when the client's copy is current. */
function getRoster(server: ServerContext, session: Session, query: Element): Element | null {
  session.interestedInRoster = true;
  const roster = server.services.get(ROSTERS).storeFor(session.bare).get(session.bare.toString());
  const ver = String(roster.version);
  if (query.attrs.ver === ver) return null;
  return xml('query', { xmlns: NS.roster, ver }, ...roster.items.map(itemElement));
}

/**
 * RFC 6121 §2.3-§2.5: add, update or remove one item. The result goes first and the push
 * after it, in the RFC's order (the router would answer only after the handler returns).
 */
function setRoster(server: ServerContext, ctx: StanzaContext, session: Session, query: Element): typeof NO_REPLY {
  const change = parseItem(query);
  const rosters = server.services.get(ROSTERS);
  const user = session.bare;
  const existing = rosters.item(user, change.jid);
  let after: () => void;
  if (change.remove) {
    if (!existing) throw new StanzaError('cancel', 'item-not-found', 'no such contact');
    after = () => {
      rosters.remove(user, change.jid);
      cancelSubscriptions(server, user, existing);
    };
  } else {
    if (!existing && !rosters.hasRoomFor(user)) {
      throw new StanzaError('wait', 'resource-constraint', `a roster holds at most ${rosters.maxItems(user)} contacts`);
    }
    // Clients set names and groups only; the subscription state belongs to the server (§2.1.2.5).
    const item: RosterItem = existing ?? { jid: change.jid.toString(), subscription: 'none', groups: [] };
    item.name = change.name;
    item.groups = change.groups;
    after = () => rosters.put(user, item);
  }
  server.router.reply(session, xml('iq', { type: 'result', id: ctx.stanza.attrs.id, to: session.jid.toString() }));
  after();
  return NO_REPLY;
}

interface ItemChange { jid: Jid; remove: boolean; name?: string; groups: string[] }

/** RFC 6121 §2.3.3 validation of a roster set. */
function parseItem(query: Element): ItemChange {
  const items = query.getChildElements();
  if (items.length !== 1 || items[0]!.name !== 'item') {
    throw new StanzaError('modify', 'bad-request', 'a roster set carries exactly one item');
  }
  const item = items[0]!;
  const jid = tryParseJid(item.attrs.jid);
  if (!jid || !jid.isBare) throw new StanzaError('modify', 'bad-request', 'the item needs a bare JID');
  if (item.attrs.subscription === 'remove') return { jid, remove: true, groups: [] };

  const name = item.attrs.name;
  if (name !== undefined && name.length > ROSTER_LIMITS.nameLength) {
    throw new StanzaError('modify', 'not-acceptable', 'the name is too long');
  }
  const groups = item.getChildren('group').map((group) => group.getText());
  if (groups.length > ROSTER_LIMITS.groups) throw new StanzaError('modify', 'not-acceptable', 'too many groups');
  for (const group of groups) {
    if (group.length === 0) throw new StanzaError('modify', 'not-acceptable', 'a group name cannot be empty');
    if (group.length > ROSTER_LIMITS.nameLength) throw new StanzaError('modify', 'not-acceptable', 'a group name is too long');
  }
  if (new Set(groups).size !== groups.length) throw new StanzaError('modify', 'bad-request', 'a group is listed twice');
  return { jid, remove: false, name: name === '' ? undefined : name, groups };
}
