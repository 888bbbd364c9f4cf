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

/** XEP-0048 §3 on PEP (XEP-0223): one private item, 'current', holding the whole <storage/>. */
const LEGACY_PEP_ITEM = 'current';
const LEGACY_PEP_NODE_CONFIG: NodeConfig = { ...BOOKMARKS_NODE_CONFIG, maxItems: 1 };

/**
 * XEP-0411 (with XEP-0402): the bookmarks a client stores as PEP items (urn:xmpp:bookmarks:1:
 * Gajim, Converse, Conversations), those it stores in private XML (XEP-0048, older clients) and
 * those it stores as XEP-0048 on PEP (node storage:bookmarks) are the same list: a change to one
 * is written to the others. XEP-0402 §5.3 names the two copies #compat and #compat-pep; Gajim 1.7
 * uses XEP-0402 only when both #compat-pep and #config-node-max are there, private XML otherwise.
 */
export default defineModule({
  name: 'bookmarks',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    const pep = server.services.get(PEP);
    pep.onChange(NS.bookmarks, (owner) => {
      mirrorSafely(server, 'private XML', () => mirrorToPrivate(server, pep, owner));
      mirrorSafely(server, 'XEP-0048 on PEP', () => mirrorToLegacyPep(pep, owner));
    });
    pep.onChange(NS.legacyBookmarks, (owner, change) => {
      // Only a new list is copied: a retracted or deleted legacy node empties nobody's bookmarks.
      if (change.kind !== 'publish') return;
      const storage = change.item.payload === '' ? undefined : parseStored(change.item.payload);
      if (!storage?.is('storage', NS.legacyBookmarks)) return;
      mirrorSafely(server, 'PEP', () => mirrorToPep(pep, owner, storage));
      mirrorSafely(server, 'private XML', () => mirrorToPrivate(server, pep, owner));
    });
  },
  load(host, server) {
    const pep = server.services.get(PEP);
    host.accountFeatures.add(`${NS.bookmarks}#compat`);
    host.accountFeatures.add(`${NS.bookmarks}#compat-pep`);
    // XEP-0411 §4: private XML and XEP-0048 on PEP are kept the same (through the XEP-0402 node).
    host.accountFeatures.add('urn:xmpp:bookmarks-conversion:0');
    server.services.get(PRIVATE_XML, host).onStored(NS.legacyBookmarks, (user, storage) => {
      const owner = parseJid(user);
      mirrorSafely(server, 'PEP', () => mirrorToPep(pep, owner, storage));
      mirrorSafely(server, 'XEP-0048 on PEP', () => mirrorToLegacyPep(pep, owner));
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

/** The XEP-0402 node changed: the XEP-0048 PEP node gets the same rooms (keeping its <url/>s). */
function mirrorToLegacyPep(pep: PepService, owner: Jid): void {
  const previous = pep.node(owner, NS.legacyBookmarks)?.items.find((item) => item.id === LEGACY_PEP_ITEM);
  const storage = legacyStorage(pepBookmarks(pep, owner).values(), previous && previous.payload !== '' ? parseStored(previous.payload) : undefined);
  pep.publish(owner, NS.legacyBookmarks, { id: LEGACY_PEP_ITEM, payload: storage, defaults: LEGACY_PEP_NODE_CONFIG }, 'mirror');
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
