import { clone, xml, type Element } from '../../xml/element.js';
import { StanzaError, errorReply } from '../../xml/errors.js';
import { tryParseJid, type Jid } from '../../jid/jid.js';
import type { RosterItem } from '../../storage/types.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { parseStored, serialize } from '../user-data.js';
import { ROSTERS, ROSTER_LIMITS } from '../roster/service.js';
import { sendFromBare, sendResourcesPresence, sendResourcesUnavailable } from './resources.js';

/**
 * The subscription state machine of RFC 6121 §3 and Appendix A. "Outbound" runs on the
 * roster of the local user who sent the stanza, "inbound" on the roster of the local user
 * it is addressed to. Both users are local (there is no server-to-server), so one call does
 * both halves, in the RFC's order: the sender's roster first, then the stanza travels.
 */

export type SubscriptionType = 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed';

const TYPES = new Set<string>(['subscribe', 'subscribed', 'unsubscribe', 'unsubscribed']);

export function isSubscriptionType(type: string | undefined): type is SubscriptionType {
  return type !== undefined && TYPES.has(type);
}

/** What the sender's server does after updating the sender's roster. */
interface Outcome {
  /** Route the stanza to the contact (false: the RFC says it stops here). */
  forward: boolean;
  /** Runs after the stanza was delivered (presence that must follow it). */
  after?: () => void;
}

/**
 * A local client sent a subscription stanza to `contact` (a bare JID on a client host).
 * Updates the sender's roster, then hands the stanza to the contact's side.
 */
export function sendSubscription(server: ServerContext, origin: Session, contact: Jid, stanza: Element, type: SubscriptionType): void {
  const user = origin.bare;
  if (contact.equals(user)) return; // one is implicitly subscribed to oneself; nothing to record
  let outcome: Outcome;
  try {
    outcome = outbound(server, user, contact, type);
  } catch (error) {
    if (!(error instanceof StanzaError)) throw error;
    server.router.reply(origin, errorReply(stanza, error));
    return;
  }
  if (outcome.forward) {
    const stamped = clone(stanza);
    stamped.attrs.from = user.toString();
    stamped.attrs.to = contact.toString();
    receiveSubscription(server, contact, user, stamped, type);
  }
  outcome.after?.();
}

/** RFC 6121 Appendix A.2/A.3 (user's server, outbound). */
function outbound(server: ServerContext, user: Jid, contact: Jid, type: SubscriptionType): Outcome {
  const rosters = server.services.get(ROSTERS);
  const store = rosters.storeFor(user);
  const existing = rosters.item(user, contact);
  const item: RosterItem = existing ?? { jid: contact.toString(), subscription: 'none', groups: [] };
  const save = (): void => {
    if (!existing && !rosters.hasRoomFor(user)) {
      throw new StanzaError('wait', 'resource-constraint', `a roster holds at most ${rosters.maxItems(user)} contacts`);
    }
    rosters.put(user, item);
  };
  switch (type) {
    case 'subscribe': // §3.1.2: pending out until the contact answers
      if ((item.subscription === 'none' || item.subscription === 'from') && !item.ask) {
        item.ask = true;
        save();
      }
      return { forward: true };
    case 'unsubscribe': // §3.3.2
      if (existing && (item.subscription === 'to' || item.subscription === 'both' || item.ask)) {
        if (item.subscription === 'both') item.subscription = 'from';
        else if (item.subscription === 'to') item.subscription = 'none';
        item.ask = false;
        save();
      }
      return { forward: true };
    case 'subscribed': {
      const pending = store.pendingIn(user.toString()).some((request) => request.from === contact.toString());
      if (pending) { // §3.1.5: approval of the contact's request
        if (item.subscription === 'none' || item.subscription === 'to') {
          item.subscription = item.subscription === 'to' ? 'both' : 'from';
          item.approved = false;
          save();
        }
        store.removePendingIn(user.toString(), contact.toString());
        return {
          forward: true,
          after: () => {
            sendResourcesPresence(server, user, contact.toString());
            // Already subscribed the other way too: refresh what we know of the contact.
            if (item.subscription === 'both') sendFromBare(server, user, contact, 'probe');
          },
        };
      }
      // §3.4: pre-approval, unless the contact is already subscribed.
      if ((item.subscription === 'none' || item.subscription === 'to') && !item.approved) {
        item.approved = true;
        save();
      }
      return { forward: false };
    }
    case 'unsubscribed': { // §3.2.2: refusal, or cancellation of the contact's subscription
      const pending = store.pendingIn(user.toString()).some((request) => request.from === contact.toString());
      if (pending) store.removePendingIn(user.toString(), contact.toString());
      const wasSubscribed = item.subscription === 'from' || item.subscription === 'both';
      if (existing && (wasSubscribed || item.approved)) {
        if (wasSubscribed) item.subscription = item.subscription === 'both' ? 'to' : 'none';
        item.approved = false;
        save();
      }
      return {
        forward: pending || wasSubscribed,
        after: wasSubscribed ? () => sendResourcesUnavailable(server, user, contact.toString()) : undefined,
      };
    }
  }
}

/**
 * RFC 6121 Appendix A.2/A.3 (contact's server, inbound): `stanza` (stamped from the
 * sender's bare JID to the user's) reaches `user`'s roster.
 */
export function receiveSubscription(server: ServerContext, user: Jid, contact: Jid, stanza: Element, type: SubscriptionType): void {
  const rosters = server.services.get(ROSTERS);
  if (!rosters.userExists(user)) {
    // §3.1.3: a request to nobody is refused; other types to nobody are ignored.
    if (type === 'subscribe') sendFromBare(server, user, contact, 'unsubscribed');
    return;
  }
  const store = rosters.storeFor(user);
  const item = rosters.item(user, contact);
  switch (type) {
    case 'subscribe': {
      if (item && (item.subscription === 'from' || item.subscription === 'both')) {
        // §3.1.3: already subscribed: answer for the user.
        sendFromBare(server, user, contact, 'subscribed');
        if (sendResourcesPresence(server, user, contact.toString()) === 0) sendFromBare(server, user, contact, 'unavailable');
        return;
      }
      if (item?.approved) { // §3.4: pre-approved
        item.subscription = item.subscription === 'to' ? 'both' : 'from';
        item.approved = false;
        rosters.put(user, item);
        sendFromBare(server, user, contact, 'subscribed');
        sendResourcesPresence(server, user, contact.toString());
        return;
      }
      // As Prosody does, the request is acknowledged with the user's (unrevealing) unavailable presence.
      sendFromBare(server, user, contact, 'unavailable');
      const pending = store.pendingIn(user.toString());
      if (pending.some((request) => request.from === contact.toString())) return;
      if (pending.length >= ROSTER_LIMITS.pendingIn) {
        server.log.debug('dropping a subscription request: too many pending');
        return;
      }
      // Kept whole (RFC 6121 §3.1.3), for the user's next available resource.
      store.addPendingIn(user.toString(), contact.toString(), serialize(stanza));
      server.router.deliverTo(user, stanza);
      return;
    }
    case 'unsubscribe': // §3.3.3
      store.removePendingIn(user.toString(), contact.toString());
      if (item && (item.subscription === 'from' || item.subscription === 'both')) {
        item.subscription = item.subscription === 'both' ? 'to' : 'none';
        notify(server, user, stanza);
        rosters.put(user, item);
        sendResourcesUnavailable(server, user, contact.toString());
      }
      return;
    case 'subscribed': // §3.1.6: only an answer to our own request counts
      if (item?.ask) {
        item.subscription = item.subscription === 'from' ? 'both' : 'to';
        item.ask = false;
        notify(server, user, stanza);
        rosters.put(user, item);
      }
      return;
    case 'unsubscribed': // §3.2.3: refusal of our request, or our subscription cancelled
      if (item && (item.ask || item.subscription === 'to' || item.subscription === 'both')) {
        if (item.subscription === 'to' || item.subscription === 'both') item.subscription = item.subscription === 'both' ? 'from' : 'none';
        item.ask = false;
        notify(server, user, stanza);
        rosters.put(user, item);
      }
      return;
  }
}

/** Subscription state notices go to the resources that asked for the roster. */
function notify(server: ServerContext, user: Jid, stanza: Element): void {
  for (const session of server.services.get(ROSTERS).interested(user)) server.router.deliverTo(session.jid, stanza);
}

/**
 * RFC 6121 §3.1.3: requests not yet answered, delivered again to a newly available resource.
 * Requests from local users who no longer exist (a guest who left) are dropped instead.
 */
export function redeliverPendingRequests(server: ServerContext, session: Session): void {
  const rosters = server.services.get(ROSTERS);
  const store = rosters.storeFor(session.bare);
  for (const request of store.pendingIn(session.bare.toString())) {
    const requester = tryParseJid(request.from);
    if (!requester || (server.hosts.get(requester.domain)?.acceptsClients && !rosters.userExists(requester))) {
      store.removePendingIn(session.bare.toString(), request.from);
      continue;
    }
    const stanza = parseStored(request.stanza)
      ?? xml('presence', { type: 'subscribe', from: request.from, to: session.bare.toString() });
    server.router.deliverTo(session.jid, stanza);
  }
}

/**
 * RFC 6121 §2.5.3: removing a contact ends every subscription with it. Called after the
 * item left the roster; `item` is what it was.
 */
export function cancelSubscriptions(server: ServerContext, user: Jid, item: RosterItem): void {
  const contact = item.jid;
  const store = server.services.get(ROSTERS).storeFor(user);
  const pending = store.pendingIn(user.toString()).some((request) => request.from === contact);
  if (pending) store.removePendingIn(user.toString(), contact);
  if (item.subscription === 'to' || item.subscription === 'both' || item.ask) {
    sendFromBare(server, user, contact, 'unsubscribe');
  }
  if (item.subscription === 'from' || item.subscription === 'both' || pending) {
    sendFromBare(server, user, contact, 'unsubscribed');
  }
  if (item.subscription === 'from' || item.subscription === 'both') sendResourcesUnavailable(server, user, contact);
}
