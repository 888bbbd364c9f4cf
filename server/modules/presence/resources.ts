import { clone, xml, type Element } from '../../xml/element.js';
import type { Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';

/**
 * Presence sent on behalf of a user's resources: the building blocks of broadcasts, probe
 * answers and subscription approvals. Everything is routed (never written to a socket
 * directly) with no origin: these stanzas come from the server, not from a client.
 */

/** The user's resources that are available (sent presence and did not go unavailable since). */
export function availableResources(server: ServerContext, user: Jid): Session[] {
  return server.sessions.available(user);
}

/** A copy of a presence with new addresses (each recipient gets its own: queues may keep it). */
export function addressed(stanza: Element, from: string, to: string): Element {
  const copy = clone(stanza);
  copy.attrs.from = from;
  copy.attrs.to = to;
  return copy;
}

/**
 * RFC 6121 §4.3.2 / §3.1.5: the last presence of each available resource, to `to`.
 * Returns how many were sent.
 */
export function sendResourcesPresence(server: ServerContext, user: Jid, to: string): number {
  const resources = availableResources(server, user);
  for (const session of resources) {
    server.router.route(addressed(session.presence!, session.jid.toString(), to));
  }
  return resources.length;
}

/** RFC 6121 §3.2.2: after a subscription is cancelled, the contact sees the user go offline. */
export function sendResourcesUnavailable(server: ServerContext, user: Jid, to: string): void {
  for (const session of availableResources(server, user)) {
    server.router.route(xml('presence', { type: 'unavailable', from: session.jid.toString(), to }));
  }
}

/** A presence from the server on behalf of a bare JID (subscription answers, acknowledgements). */
export function sendFromBare(server: ServerContext, from: Jid, to: Jid | string, type: string): void {
  server.router.route(xml('presence', { type, from: from.toString(), to: to.toString() }));
}
