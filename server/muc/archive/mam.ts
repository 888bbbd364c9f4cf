/**
 * XEP-0313 on rooms: iqs to a room's bare JID. `set` runs a query (results pushed as
 * messages, then the iq result with <fin/>), `get` of <query/> returns the filter form,
 * `get` of <metadata/> the archive's first and last message (#extended). The query itself
 * is server/mam/, shared with the accounts' archive.
 */
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import type { Host, StanzaContext } from '../../core/host.js';
import type { ServerContext } from '../../core/context.js';
import { queryForm, roomWith } from '../../mam/query.js';
import { metadata, runQuery, type QueriedArchive } from '../../mam/serve.js';
import type { RoomLookup } from './rooms.js';

export function registerMamHandlers(host: Host, server: ServerContext, rooms: RoomLookup): void {
  host.onIq('get', NS.mam, 'query', 'bare', (ctx) => {
    readableRoom(ctx, rooms);
    return queryForm();
  });
  host.onIq('set', NS.mam, 'query', 'bare', (ctx, query) => runQuery(server, readableRoom(ctx, rooms), ctx, query));
  host.onIq('get', NS.mam, 'metadata', 'bare', (ctx) => metadata(readableRoom(ctx, rooms)));
}

/** The room the iq is addressed to, if it exists, archives, and the requester may read it. */
function readableRoom(ctx: StanzaContext, rooms: RoomLookup): QueriedArchive {
  const room = rooms(ctx.to);
  if (!room) throw new StanzaError('cancel', 'item-not-found', 'no such room');
  const { store } = room;
  if (!store) throw new StanzaError('cancel', 'service-unavailable', 'this room keeps no archive');
  // XEP-0313 §6.1.2: only those who may enter the room may read its archive.
  if (!room.mayQuery(ctx.from)) throw new StanzaError('auth', 'forbidden', 'only those who may enter this room may read its archive');
  return { jid: room.jid, key: room.key, store, readWith: roomWith(ctx.to) };
}
