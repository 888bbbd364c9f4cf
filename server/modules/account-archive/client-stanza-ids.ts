/**
 * XEP-0359 §5: a <stanza-id/> is trusted by whom its 'by' names (an account's archive, a
 * room), so one a client puts on its own message must never reach anyone as if this server
 * had stamped it. Only the server stamps them (rooms, accounts' archives); every stanza-id a
 * client sends that names a JID of this server (or no valid JID) is removed as the message
 * leaves the client, on every host, guests included, before any handler (or archive) sees it.
 * Without server-to-server connections no other server's stanza-id can be genuine either,
 * but one naming a foreign JID misleads nobody here and is left alone.
 */
import type { RouteGuard } from '../../core/router.js';
import type { ServerContext } from '../../core/context.js';
import { NS } from '../../xml/namespaces.js';
import { tryParseJid } from '../../jid/jid.js';

/** A route guard that never stops a stanza: it only takes the forged claims off a client's message. */
export function stripClientStanzaIds(server: ServerContext): RouteGuard {
  return (ctx) => {
    if (ctx.origin === null || ctx.stanza.name !== 'message') return undefined;
    for (const claim of ctx.stanza.getChildren('stanza-id', NS.sid)) {
      const by = tryParseJid(claim.attrs.by);
      if (by === null || server.hosts.get(by.domain) !== undefined) ctx.stanza.remove(claim);
    }
    return undefined;
  };
}
