import type { Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { parseJid, type Jid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import type { ServerContext } from '../core/context.js';
import { PEP, type PepService } from './pep/service.js';
import { DEFAULT_NODE_CONFIG, type NodeConfig } from './pep/node-config.js';
import { PEP_LIMITS } from './pep/limits.js';
import { PRIVATE_XML } from './private-xml.js';
import { parseStored } from './user-data.js';
import { legacyBookmarks, legacyStorage, nativeBookmark, nativePayload, sameBookmark, type Bookmark } from './bookmarks/conversion.js';

/** XEP-0402 §3: a bookmarks node is the owner's alone and keeps every room. */
const BOOKMARKS_NODE_CONFIG: NodeConfig = {
  ...DEFAULT_NODE_CONFIG,
  accessModel: 'whitelist',
  maxItems: PEP_LIMITS.maxItems,
  sendLastPublished: 'never',
};

/**
 * XEP-0411 (with XEP-0402): the bookmarks a client stores as PEP items (urn:xmpp:bookmarks:1:
 * Gajim, Converse, Conversations) and those it stores in private XML (XEP-0048, older clients)
 * are the same list: a change to either is written to the other.
 */
export default defineModule({
  name: 'bookmarks',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    const pep = server.services.get(PEP);
    pep.onChange(NS.bookmarks, (owner) => mirrorSafely(server, 'private XML', () => mirrorToPrivate(server, pep, owner)));
  },
  load(host, server) {
    const pep = server.services.get(PEP);
    host.accountFeatures.add(`${NS.bookmarks}#compat`);
    server.services.get(PRIVATE_XML, host).onStored(NS.legacyBookmarks, (user, storage) => {
      mirrorSafely(server, 'PEP', () => mirrorToPep(pep, parseJid(user), storage));
    });
  },
});

/**
 * The client's own request succeeded whatever happens to the copy: a copy over the other
 * store's caps is logged, and the two lists differ until the client's next change.
 */
function mirrorSafely(server: ServerContext, into: string, mirror: () => void): void {
  try {
    mirror();
  } catch (error) {
    server.log.warn({ err: error }, `could not mirror bookmarks into ${into}`);
  }
}

/** The PEP node changed: private XML gets the same rooms (keeping its <url/>s). */
function mirrorToPrivate(server: ServerContext, pep: PepService, owner: Jid): void {
  const store = server.services.get(PRIVATE_XML, owner.domain);
  const user = owner.toString();
  store.put(user, legacyStorage(pepBookmarks(pep, owner).values(), store.fetch(user, 'storage', NS.legacyBookmarks)), 'mirror');
}

/** Private XML changed: the PEP node gets the same rooms, item by item, so that clients are notified of each. */
function mirrorToPep(pep: PepService, owner: Jid, storage: Element | undefined): void {
  const wanted = legacyBookmarks(storage);
  const current = pepBookmarks(pep, owner);
  const gone = [...current.keys()].filter((jid) => !wanted.has(jid));
  if (gone.length > 0) pep.retract(owner, NS.bookmarks, gone, true, 'mirror');
  for (const bookmark of wanted.values()) {
    const known = current.get(bookmark.jid);
    if (known && sameBookmark(known, bookmark)) continue;
    pep.publish(owner, NS.bookmarks, { id: bookmark.jid, payload: nativePayload(bookmark), defaults: BOOKMARKS_NODE_CONFIG }, 'mirror');
  }
}

/** The owner's XEP-0402 bookmarks by room JID, in the node's order. */
function pepBookmarks(pep: PepService, owner: Jid): Map<string, Bookmark> {
  const bookmarks = new Map<string, Bookmark>();
  for (const item of pep.node(owner, NS.bookmarks)?.items ?? []) {
    const bookmark = nativeBookmark(item.id, item.payload === '' ? undefined : parseStored(item.payload));
    if (bookmark) bookmarks.set(item.id, bookmark);
  }
  return bookmarks;
}
