import { clone, xml, type Element } from '../../xml/element.js';
import { tryParseJid, type Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import { SessionKey, type Session } from '../../core/session.js';
import { ROSTERS } from '../roster/service.js';
import { redeliverPendingRequests } from './subscription.js';
import { addressed, availableResources, sendFromBare, sendResourcesPresence } from './resources.js';
import { HELD_MESSAGES } from './held-messages.js';

/** Entities a session sent directed presence to, so they hear when it goes away (RFC 6121 §4.6). */
const DIRECTED = new SessionKey<Set<string>>('directed presence recipients', () => new Set());
/** Directed presence recipients remembered per session (a user in that many rooms is rare). */
const MAX_DIRECTED = 1000;

/** RFC 6121 §4.7.2.3: -128..127; anything unreadable counts as 0. */
function parsePriority(stanza: Element): number {
  const text = stanza.getChildText('priority')?.trim();
  if (!text || !/^[+-]?\d{1,10}$/.test(text)) return 0;
  return Math.max(-128, Math.min(127, Number(text)));
}

/** Contacts whose roster item says they see the user's presence (subscription from/both). */
function subscribers(server: ServerContext, user: Jid): string[] {
  const self = user.toString();
  return server.services.get(ROSTERS).get(user)
    .filter((item) => (item.subscription === 'from' || item.subscription === 'both') && item.jid !== self)
    .map((item) => item.jid);
}

/** Contacts whose presence the user sees (subscription to/both). */
function subscriptions(server: ServerContext, user: Jid): string[] {
  const self = user.toString();
  return server.services.get(ROSTERS).get(user)
    .filter((item) => (item.subscription === 'to' || item.subscription === 'both') && item.jid !== self)
    .map((item) => item.jid);
}

/**
 * RFC 6121 §4.2 / §4.4: available presence broadcast by a client (no 'to'). Goes to the
 * user's subscribers and to all the user's available resources, the sender included (one is
 * subscribed to oneself). Initial presence also probes the contacts the user is subscribed to,
 * shows the new resource its siblings, and hands it unanswered subscription requests.
 */
export function broadcastAvailable(server: ServerContext, session: Session, stanza: Element): void {
  const initial = !session.available;
  const from = session.jid.toString();
  const presence = clone(stanza);
  delete presence.attrs.to;
  presence.attrs.from = from;
  session.presence = presence;
  session.priority = parsePriority(stanza);

  for (const resource of availableResources(server, session.bare)) {
    server.router.deliverTo(resource.jid, addressed(presence, from, resource.jid.toString()));
  }
  for (const contact of subscribers(server, session.bare)) server.router.route(addressed(presence, from, contact));

  if (initial) {
    for (const contact of subscriptions(server, session.bare)) {
      server.router.route(xml('presence', { type: 'probe', from, to: contact }));
    }
    for (const sibling of availableResources(server, session.bare)) {
      if (sibling !== session) server.router.deliverTo(session.jid, addressed(sibling.presence!, sibling.jid.toString(), from));
    }
    redeliverPendingRequests(server, session);
  }
  if (session.priority >= 0) server.services.get(HELD_MESSAGES).flush(session);
}

/**
 * RFC 6121 §4.5: the session goes unavailable (by saying so, or by disconnecting). Its
 * subscribers, its sibling resources and everyone it sent directed presence to hear it once.
 */
export function broadcastUnavailable(server: ServerContext, session: Session, stanza: Element | null): void {
  const from = session.jid.toString();
  const presence = stanza ? clone(stanza) : xml('presence', { type: 'unavailable' });
  delete presence.attrs.to;
  presence.attrs.from = from;
  const informed = new Set<string>();
  if (session.available) {
    session.presence = null;
    // The session itself hears it as the answer to its own unavailable presence (a closed one hears nothing).
    server.router.reply(session, addressed(presence, from, from));
    for (const resource of availableResources(server, session.bare)) {
      server.router.deliverTo(resource.jid, addressed(presence, from, resource.jid.toString()));
    }
    for (const contact of subscribers(server, session.bare)) {
      informed.add(contact);
      server.router.route(addressed(presence, from, contact));
    }
  }
  const directed = session.get(DIRECTED);
  for (const recipient of directed) {
    const jid = tryParseJid(recipient);
    if (jid && !informed.has(jid.bare().toString())) server.router.route(addressed(presence, from, recipient));
  }
  directed.clear();
}

/**
 * Remembers directed presence as it leaves the client (RFC 6121 §4.6.3), wherever it goes
 * (a MUC room included): available adds the recipient, unavailable or error removes it.
 */
export function trackDirected(server: ServerContext, session: Session, stanza: Element): void {
  if (stanza.name !== 'presence' || stanza.attrs.to === undefined) return;
  const to = tryParseJid(stanza.attrs.to);
  // Not to oneself (the own resources hear the broadcast), nor where the router cannot deliver.
  if (!to || to.bare().equals(session.bare) || !server.hosts.get(to.domain)) return;
  const type = stanza.attrs.type;
  const directed = session.get(DIRECTED);
  if (type === undefined) {
    if (directed.size < MAX_DIRECTED) directed.add(to.toString());
  } else if (type === 'unavailable' || type === 'error') {
    directed.delete(to.toString());
  }
}

/**
 * RFC 6121 §4.3.2: a probe from `prober` about `user`. Subscribers (and the user's own
 * resources) get the last presence of each available resource, or unavailable when there is
 * none; anyone else gets 'unsubscribed', which also repairs a stale subscription on their side.
 */
export function answerProbe(server: ServerContext, user: Jid, prober: Jid): void {
  const rosters = server.services.get(ROSTERS);
  if (!rosters.userExists(user)) {
    sendFromBare(server, user, prober.bare(), 'unsubscribed');
    return;
  }
  const item = rosters.item(user, prober.bare());
  const subscribed = prober.bare().equals(user) || item?.subscription === 'from' || item?.subscription === 'both';
  if (!subscribed) {
    sendFromBare(server, user, prober.bare(), 'unsubscribed');
    return;
  }
  if (sendResourcesPresence(server, user, prober.toString()) === 0) sendFromBare(server, user, prober, 'unavailable');
}

/** Presence (available, unavailable, error) addressed to a user: every available resource gets it. */
export function deliverToAvailable(server: ServerContext, user: Jid, stanza: Element): void {
  server.router.deliverTo(user, stanza);
}
