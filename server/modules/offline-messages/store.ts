/** Keeping a message for an offline account, and handing what was kept to its next available session. */
import { parse } from 'ltx';
import { xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { randomId } from '../../util/random-ids.js';

/** Keeps the message for `owner` (a bare JID); false when the owner holds `cap` already. */
export function holdOffline(server: ServerContext, owner: string, stanza: Element, cap: number): boolean {
  return server.storage.offline.add(owner, { id: randomId(12), stanza: stanza.toString(), timestamp: server.now() }, cap);
}

/** Sends the session everything kept for its account, oldest first, each stamped with when it came. */
export function deliverOffline(server: ServerContext, session: Session): void {
  const kept = server.storage.offline.take(session.bare.toString());
  for (const message of kept) {
    const stanza = parse(message.stanza);
    stanza.cnode(xml('delay', { xmlns: NS.delay, from: session.host.name, stamp: new Date(message.timestamp).toISOString() }));
    server.router.deliverTo(session.jid, stanza);
  }
}
