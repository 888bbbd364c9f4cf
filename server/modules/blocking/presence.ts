import { xml, type Element } from '../../xml/element.js';
import type { Jid } from '../../jid/jid.js';
import type { Host } from '../../core/host.js';
import type { Session } from '../../core/session.js';
import type { ServerContext } from '../../core/context.js';
import { addressed } from '../presence/resources.js';

/**
 * XEP-0191 §3.3 and §3.4: once a user blocks a contact, each sees the other go offline; once
 * the user unblocks them, each sees the other's current presence again. Only between people
 * who saw each other's presence (by the user's roster), so that neither reveals anything to
 * someone who did not already know the user was online.
 */
export function updatePresenceAfter(change: 'block' | 'unblock', server: ServerContext, host: Host, user: Jid, other: Jid): void {
  const contact = other.bare();
  if (contact.local === null || !server.hosts.get(contact.domain)?.acceptsClients) return;
  const subscription = host.users.rosters.getItem(user.toString(), contact.toString())?.subscription;
  const presenceOf = (session: Session, to: string): Element => change === 'block' || !session.presence
    ? xml('presence', { type: 'unavailable', from: session.jid.toString(), to })
    : addressed(session.presence, session.jid.toString(), to);
  if (subscription === 'from' || subscription === 'both') {
    for (const session of server.sessions.available(user)) server.router.deliverTo(other, presenceOf(session, other.toString()));
  }
  if (subscription === 'to' || subscription === 'both') {
    const theirs = server.sessions.available(contact).filter((session) => other.isBare || session.jid.equals(other));
    for (const session of theirs) server.router.deliverTo(user, presenceOf(session, user.toString()));
  }
}
