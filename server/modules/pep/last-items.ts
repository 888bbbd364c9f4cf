import { tryParseJid, type Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import { SessionKey, type Session } from '../../core/session.js';
import { ROSTERS } from '../roster/service.js';
import { presenceCaps, type CapsCache } from '../caps/cache.js';
import type { PepService } from './service.js';

/** The caps (hash and ver) a session last got the last items for: a new version may want other nodes. */
const LAST_ITEMS_FOR = new SessionKey<string | null>('caps the last PEP items were sent for', () => null);

/** Whose nodes a session hears of: its own account's, and those of contacts whose presence it sees. */
function ownersHeardBy(server: ServerContext, session: Session): Jid[] {
  const owners: Jid[] = [session.bare];
  for (const item of server.services.get(ROSTERS).get(session.bare)) {
    if (item.subscription !== 'to' && item.subscription !== 'both') continue;
    const owner = tryParseJid(item.jid);
    if (owner && owner.local !== null && owner.isBare && !owner.equals(session.bare) && server.hosts.get(owner.domain)?.acceptsClients) owners.push(owner);
  }
  return owners;
}

/**
 * XEP-0163 §4.3.3: when a resource becomes available (or announces a new client version),
 * it gets the last item of every node it has +notify for. The caps may need a query first;
 * then the cache's onLearned (wired by the module) sends them.
 */
export function onPresence(server: ServerContext, pep: PepService, caps: CapsCache, session: Session): void {
  if (!session.available || session.isRemote) return;
  const announced = presenceCaps(session.presence);
  const key = announced ? `${announced.hash} ${announced.ver}` : null;
  if (key === null || session.get(LAST_ITEMS_FOR) === key) return;
  session.set(LAST_ITEMS_FOR, key);
  const features = caps.features(session);
  if (features) sendLastItems(server, pep, session, features);
}

export function sendLastItems(server: ServerContext, pep: PepService, session: Session, features: ReadonlySet<string>): void {
  if (!session.available) return;
  pep.sendLastItems(session, features, ownersHeardBy(server, session));
}

/**
 * XEP-0060 send_last_published_item "on_sub": an owner approved a contact's presence
 * subscription, so the contact's available resources get the owner's last items now rather
 * than at their next presence (sendLastItems checks that the contact may read each node).
 */
export function onSubscribed(server: ServerContext, pep: PepService, caps: CapsCache, owner: Jid, contact: Jid): void {
  for (const session of server.sessions.available(contact)) {
    if (session.isRemote) continue;
    const features = caps.features(session);
    if (features) pep.sendLastItems(session, features, [owner], 'subscription');
  }
}
