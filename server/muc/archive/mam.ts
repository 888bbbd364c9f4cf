/**
 * XEP-0313 on rooms: iqs to a room's bare JID. `set` runs a query (results pushed as
 * messages, then the iq result with <fin/>), `get` of <query/> returns the filter form,
 * `get` of <metadata/> the archive's first and last message (#extended).
 */
import { xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import type { Host, StanzaContext } from '../../core/host.js';
import type { ServerContext } from '../../core/context.js';
import { ArchiveIdNotFound, type ArchivePage, type ArchiveStore } from '../../storage/archive.js';
import { parseMamQuery, queryForm } from './query.js';
import { fin, resultMessage, stamp } from './results.js';
import type { ArchiveRoom, RoomLookup } from './rooms.js';

export function registerMamHandlers(host: Host, server: ServerContext, rooms: RoomLookup): void {
  host.onIq('get', NS.mam, 'query', 'bare', (ctx) => {
    readableRoom(ctx, rooms);
    return queryForm();
  });
  host.onIq('set', NS.mam, 'query', 'bare', (ctx, query) => runQuery(server, readableRoom(ctx, rooms), ctx, query));
  host.onIq('get', NS.mam, 'metadata', 'bare', (ctx) => metadata(readableRoom(ctx, rooms)));
}

type ReadableRoom = ArchiveRoom & { store: ArchiveStore };

/** The room the iq is addressed to, if it exists, archives, and the requester may read it. */
function readableRoom(ctx: StanzaContext, rooms: RoomLookup): ReadableRoom {
  const room = rooms(ctx.to);
  if (!room) throw new StanzaError('cancel', 'item-not-found', 'no such room');
  const { store } = room;
  if (!store) throw new StanzaError('cancel', 'service-unavailable', 'this room keeps no archive');
  // XEP-0313 §6.1.2: only those who may enter the room may read its archive.
  if (!room.mayQuery(ctx.from)) throw new StanzaError('auth', 'forbidden', 'only those who may enter this room may read its archive');
  return { ...room, store };
}

async function runQuery(server: ServerContext, room: ReadableRoom, ctx: StanzaContext, payload: Element): Promise<Element> {
  const archive = room.store;
  const query = parseMamQuery(payload, ctx.to);
  let page: ArchivePage;
  try {
    page = query.matchesNothing
      ? { messages: [], complete: true, count: 0 }
      : await archive.query(room.key, query.filter, query.page);
  } catch (error) {
    if (error instanceof ArchiveIdNotFound) throw new StanzaError('cancel', 'item-not-found', 'no message with that id in this archive');
    throw error;
  }
  const requester = ctx.from.toString();
  const ordered = query.flip ? [...page.messages].reverse() : page.messages;
  for (const message of ordered) {
    server.router.reply(ctx.origin, resultMessage(room.jid, requester, query.queryId, message));
  }
  // The iq result follows on the same session, after the last result message.
  return fin(page);
}

async function metadata(room: ReadableRoom): Promise<Element> {
  const edges = await room.store.edges(room.key);
  return xml('metadata', { xmlns: NS.mam },
    edges && xml('start', { id: edges.start.id, timestamp: stamp(edges.start.timestamp) }),
    edges && xml('end', { id: edges.end.id, timestamp: stamp(edges.end.timestamp) }));
}
