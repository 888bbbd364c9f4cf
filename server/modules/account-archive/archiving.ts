/**
 * Appending one-to-one messages to the accounts' archive: each account that keeps a message
 * (both sender and recipient, when both are accounts here) stores its own copy under its own
 * id, with the peer's bare JID as `nick` and the peer's address as it was on the message
 * (the sender's full JID; the recipient as addressed) as `occupantId`, so that a MAM 'with'
 * of a bare JID matches every resource and a full JID exactly that one (XEP-0313 §4.1.1).
 * The recipient's id is also the XEP-0359 stanza-id by its bare JID on the live message, so
 * a client can ask MAM for what came after it.
 */
import { clone, xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import type { Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { Host } from '../../core/host.js';
import { randomId } from '../../util/random-ids.js';
import { archivesWith, loadPrefs } from './prefs.js';

/** XEP-0359 §5: a stanza-id claiming to be by the recipient was not set by its server; remove it. */
export function stripForgedStanzaIds(stanza: Element, owner: string): void {
  for (const forged of stanza.getChildren('stanza-id', NS.sid).filter((child) => child.attrs.by === owner)) stanza.remove(forged);
}

/**
 * Guests' words are never written to disk: a peer on the guests' host, or an occupant writing
 * privately through a room (who may be a guest), is neither archived nor held offline.
 */
export function mayBeGuest(server: ServerContext, peer: Jid): boolean {
  const kind = server.hosts.get(peer.domain)?.kind;
  return kind === 'anonymous' || kind === 'muc';
}

/**
 * Keeps `stanza` in `owner`'s archive if the account exists and its preferences keep
 * messages with `peer`; returns the archive id, or undefined when not kept. A store that
 * fails is logged: the message still goes out (the archive is a copy, not the delivery).
 */
export function archiveFor(server: ServerContext, host: Host, owner: Jid, peer: Jid, stanza: Element): string | undefined {
  if (mayBeGuest(server, peer)) return undefined;
  if (owner.local === null || !server.storage.accounts.exists(owner.local, owner.domain)) return undefined;
  const user = owner.toString();
  const with_ = peer.bare().toString();
  const prefs = loadPrefs(host.users.userData, user);
  if (!archivesWith(prefs, with_, () => host.users.rosters.getItem(user, with_) !== undefined)) return undefined;
  const id = randomId(12);
  const copy = clone(stanza);
  delete copy.attrs.xmlns;
  try {
    const entry = { id, stanza: copy, nick: with_, occupantId: peer.toString(), timestamp: server.now() };
    const committed = server.storage.accountArchive.append(user, entry);
    if (committed) committed.catch((err: unknown) => server.log.error({ err }, 'an account archive write failed'));
  } catch (err) {
    server.log.error({ err }, 'an account archive write failed');
    return undefined;
  }
  return id;
}

/** Marks the live message with the recipient's archive id. */
export function stampStanzaId(stanza: Element, owner: string, id: string): void {
  stanza.cnode(xml('stanza-id', { xmlns: NS.sid, id, by: owner }));
}
