import { xml } from '../../xml/element.js';
import type { Jid } from '../../jid/jid.js';
import type { Host } from '../../core/host.js';
import type { ServerContext } from '../../core/context.js';

/**
 * XEP-0191 §3.3: once a user blocks a contact, each sees the other go offline. Only between
 * people who saw each other's presence (by the user's roster), so that a block reveals
 * nothing to someone who did not already know the user was online.
 */
export function hidePresenceAfterBlock(server: ServerContext, host: Host, user: Jid, blocked: Jid): void {
  const contact = blocked.bare();
  if (contact.local === null || !server.hosts.get(contact.domain)?.acceptsClients) return;
  const subscription = host.users.rosters.getItem(user.toString(), contact.toString())?.subscription;
  if (subscription === 'from' || subscription === 'both') {
    for (const session of server.sessions.available(user)) {
      server.router.deliverTo(blocked, xml('presence', { type: 'unavailable', from: session.jid.toString(), to: blocked.toString() }));
    }
  }
  if (subscription === 'to' || subscription === 'both') {
    const theirs = server.sessions.available(contact).filter((session) => blocked.isBare || session.jid.equals(blocked));
    for (const session of theirs) {
      server.router.deliverTo(user, xml('presence', { type: 'unavailable', from: session.jid.toString(), to: user.toString() }));
    }
  }
}
