import type { Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import { ROSTERS } from '../roster/service.js';
import { closedNode, presenceSubscriptionRequired } from './errors.js';
import type { AccessModel } from './node-config.js';

/** Contacts with a subscription 'from' or 'both' see the owner's presence (RFC 6121), so its presence-access nodes. */
export function seesPresenceOf(server: ServerContext, owner: Jid, contact: Jid): boolean {
  const subscription = server.services.get(ROSTERS).item(owner, contact.bare())?.subscription;
  return subscription === 'from' || subscription === 'both';
}

/** XEP-0060 §4.5 for PEP: the owner always; others as the node's access model says. */
export function mayRead(server: ServerContext, owner: Jid, requester: Jid, model: AccessModel): boolean {
  if (requester.bare().equals(owner)) return true;
  if (model === 'open') return true;
  if (model === 'presence') return seesPresenceOf(server, owner, requester);
  return false;
}

/** Throws the access model's error (XEP-0060 §6.5.9) when the requester may not read. */
export function checkRead(server: ServerContext, owner: Jid, requester: Jid, model: AccessModel): void {
  if (mayRead(server, owner, requester, model)) return;
  throw model === 'presence' ? presenceSubscriptionRequired() : closedNode();
}
