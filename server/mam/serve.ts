/**
 * Answering XEP-0313 queries and metadata requests against one archive (a room's or an
 * account's): the result messages go to the requester, then the <fin/> as the iq result.
 */
import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { ServerContext } from '../core/context.js';
import type { StanzaContext } from '../core/host.js';
import { ArchiveIdNotFound, type ArchivePage, type ArchiveStore } from '../storage/archive.js';
import { parseMamQuery, type WithFilter } from './query.js';
import { fin, resultMessage, stamp } from './results.js';

/** One archive as a query sees it. */
export interface QueriedArchive {
  /** The archive's JID, as results carry it in 'from'. */
  jid: string;
  /** What its messages are stored under in `store`. */
  key: string;
  store: ArchiveStore;
  readWith: WithFilter;
}

export async function runQuery(server: ServerContext, archive: QueriedArchive, ctx: StanzaContext, payload: Element): Promise<Element> {
  const query = parseMamQuery(payload, archive.readWith);
  let page: ArchivePage;
  try {
    page = query.matchesNothing
      ? { messages: [], complete: true, count: 0 }
      : await archive.store.query(archive.key, query.filter, query.page);
  } catch (error) {
    if (error instanceof ArchiveIdNotFound) throw new StanzaError('cancel', 'item-not-found', 'no message with that id in this archive');
    throw error;
  }
  const requester = ctx.from.toString();
  const ordered = query.flip ? [...page.messages].reverse() : page.messages;
  for (const message of ordered) {
    server.router.reply(ctx.origin, resultMessage(archive.jid, requester, query.queryId, message));
  }
  // The iq result follows on the same session, after the last result message.
  return fin(page);
}

export async function metadata(archive: Pick<QueriedArchive, 'key' | 'store'>): Promise<Element> {
  const edges = await archive.store.edges(archive.key);
  return xml('metadata', { xmlns: NS.mam },
    edges && xml('start', { id: edges.start.id, timestamp: stamp(edges.start.timestamp) }),
    edges && xml('end', { id: edges.end.id, timestamp: stamp(edges.end.timestamp) }));
}
