import { clone, xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import { tryParseJid, type Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { randomId } from '../../util/random-ids.js';
import { ROSTERS } from '../roster/service.js';
import type { CapsCache } from '../caps/cache.js';
import { parseStored } from '../user-data.js';
import type { NodeConfig } from './node-config.js';
import type { PepItem } from './node-store.js';

/** An <item/> as sent in results and notifications; without its payload when the node says so. */
export function itemElement(item: PepItem, withPayload = true): Element {
  const payload = withPayload && item.payload !== '' ? parseStored(item.payload) : undefined;
  return xml('item', { id: item.id }, payload);
}

/** XEP-0060 §7.1.2.1: the notification, a headline from the owner's bare JID. */
export function eventMessage(owner: Jid, to: Jid, event: Element): Element {
  return xml('message', { from: owner.toString(), to: to.toString(), type: 'headline', id: randomId(9) },
    xml('event', { xmlns: NS.pubsubEvent }, clone(event)));
}

/**
 * XEP-0163 §4.3.2 filtered notifications: the client said "<node>+notify" in its caps. A
 * client whose caps are not known yet is asked; it gets the node's last item once they are.
 */
export function wantsNotifications(caps: CapsCache, session: Session, node: string): boolean {
  return caps.features(session)?.has(`${node}+notify`) === true;
}

/**
 * XEP-0163 §4.3: who hears of a change to one of the owner's nodes: the owner's resources
 * and, unless the node is the owner's alone (whitelist), the available resources of contacts
 * who see the owner's presence; each only with +notify for the node.
 */
export function notifyInterested(server: ServerContext, caps: CapsCache, owner: Jid, node: string, config: NodeConfig, event: Element): void {
  if (!config.deliverNotifications) return;
  const sessions = [...server.sessions.available(owner)];
  if (config.accessModel !== 'whitelist') {
    for (const item of server.services.get(ROSTERS).get(owner)) {
      if (item.subscription !== 'from' && item.subscription !== 'both') continue;
      const contact = tryParseJid(item.jid);
      if (contact && !contact.equals(owner)) sessions.push(...server.sessions.available(contact));
    }
  }
  for (const session of sessions) {
    if (wantsNotifications(caps, session, node)) server.router.deliverTo(session.jid, eventMessage(owner, session.jid, event));
  }
}
