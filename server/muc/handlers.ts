import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { NO_REPLY, type Host, type StanzaContext } from '../core/host.js';
import { adminGet, adminSet } from './admin.js';
import { NS_REGISTER, NS_UNIQUE, reservedNickInfo, roomInfo } from './disco.js';
import { handleInvitations } from './invitations.js';
import { handleGroupchat } from './messages.js';
import { moderate, NS_FASTEN, NS_MODERATE, parseApplyTo, parseModerate } from './moderation.js';
import { forwardIq, returnIqResponse, selfPing } from './occupant-iq.js';
import { onBarePresence, onOccupantPresence } from './incoming-presence.js';
import { ownerGet, ownerSet } from './owner.js';
import { privateMessage } from './private-messages.js';
import { registrationForm, register } from './registration.js';
import type { Room } from './room.js';
import type { MucService } from './service.js';
import { newStanzaId } from './stamps.js';

/** Wires the MUC service into its host: presence, messages and iqs for the service, rooms and occupants. */
export function registerMucHandlers(host: Host, service: MucService): void {
  host.identities.push({ category: 'conference', type: 'text', name: 'Chatrooms' });
  host.features.add(NS.muc);
  host.features.add(NS_UNIQUE);

  const roomOf = (ctx: StanzaContext): Room => {
    const room = service.getRoom(ctx.to.local!);
    if (!room) throw new StanzaError('cancel', 'item-not-found', 'there is no such room');
    return room;
  };
  const bounce = (ctx: StanzaContext, error: unknown) => {
    if (!(error instanceof StanzaError)) throw error;
    service.server.router.bounce(ctx.stanza, error, ctx.origin);
  };
  // A handler that throws is answered by the router's one catch layer (internal-server-error).
  const bounceOrLog = (ctx: StanzaContext, error: unknown) => {
    if (error instanceof StanzaError) bounce(ctx, error);
    else service.server.log.error({ err: error }, 'a room message could not be delivered');
  };

  // Presence: joining, leaving, nick changes (to room/nick); leaving without a nick (to the room).
  host.on('presence', 'full', (ctx) => onOccupantPresence(service, ctx));
  host.on('presence', 'bare', (ctx) => onBarePresence(service, ctx));
  host.on('presence', 'host', () => true);

  // Messages to the room: groupchat, invitations; to an occupant: private messages.
  host.on('message', 'bare', (ctx) => {
    const type = ctx.stanza.attrs.type;
    if (type === 'error') return true;
    try {
      const room = roomOf(ctx);
      if (type === 'groupchat') {
        // A message that waits for the archive's commit is refused to its sender if that fails.
        handleGroupchat(service, room, ctx.from, ctx.stanza)?.catch((error: unknown) => bounceOrLog(ctx, error));
      } else if (!handleInvitations(service, room, ctx.from, ctx.stanza)) {
        throw new StanzaError('modify', 'bad-request', 'send groupchat messages, invitations or declines to a room');
      }
    } catch (error) {
      bounce(ctx, error);
    }
    return true;
  });
  host.on('message', 'full', (ctx) => {
    if (ctx.stanza.attrs.type === 'error') return true;
    try {
      privateMessage(service, roomOf(ctx), ctx.from, ctx.to.resource!, ctx.stanza);
    } catch (error) {
      bounce(ctx, error);
    }
    return true;
  });
  host.on('message', 'host', (ctx) => {
    if (ctx.stanza.attrs.type !== 'error') bounce(ctx, new StanzaError('cancel', 'service-unavailable'));
    return true;
  });

  // The room's own iqs.
  host.onIq('get', NS.discoInfo, 'query', 'bare', (ctx, query) => {
    const room = roomOf(ctx);
    if (query.attrs.node === 'x-roomuser-item') return reservedNickInfo(room, ctx.from);
    if (query.attrs.node) throw new StanzaError('cancel', 'item-not-found');
    return roomInfo(room, service.events);
  });
  host.onIq('get', NS.discoItems, 'query', 'bare', (ctx, query) => {
    roomOf(ctx);
    if (query.attrs.node) throw new StanzaError('cancel', 'item-not-found');
    // Occupants are not listed: in a semi-anonymous room, who is there is for those inside.
    return xml('query', { xmlns: NS.discoItems });
  });
  host.onIq('get', NS.mucOwner, 'query', 'bare', (ctx) => ownerGet(service, roomOf(ctx), ctx.from));
  host.onIq('set', NS.mucOwner, 'query', 'bare', (ctx, query) => {
    const announce = ownerSet(service, roomOf(ctx), ctx.from, query);
    // The owner hears that the form was accepted before the room announces the change.
    const result = xml('iq', { type: 'result', id: ctx.stanza.attrs.id, from: ctx.to.toString(), to: ctx.from.toString() });
    service.server.router.reply(ctx.origin, result);
    announce();
    return NO_REPLY;
  });
  host.onIq('get', NS.mucAdmin, 'query', 'bare', (ctx, query) => adminGet(roomOf(ctx), ctx.from, query));
  host.onIq('set', NS.mucAdmin, 'query', 'bare', (ctx, query) => adminSet(service, roomOf(ctx), ctx.from, query));
  // The moderator's result follows the announcement (which may wait for the archive).
  host.onIq('set', NS_MODERATE, 'moderate', 'bare', async (ctx, payload) => {
    await moderate(service, roomOf(ctx), ctx.from, parseModerate(payload));
    return null;
  });
  host.onIq('set', NS_FASTEN, 'apply-to', 'bare', async (ctx, payload) => {
    await moderate(service, roomOf(ctx), ctx.from, parseApplyTo(payload));
    return null;
  });
  host.onIq('get', NS_REGISTER, 'query', 'bare', (ctx) => registrationForm(roomOf(ctx), ctx.from));
  host.onIq('set', NS_REGISTER, 'query', 'bare', (ctx, query) => register(service, roomOf(ctx), ctx.from, query));
  host.onIq('get', NS.ping, 'ping', 'bare', (ctx) => (roomOf(ctx), null));
  // Answers to iqs the room sent end here.
  host.on('iq', 'bare', (ctx) => ctx.stanza.attrs.type === 'result' || ctx.stanza.attrs.type === 'error');

  // iqs to occupants: self-ping, and anything else passed between occupants.
  host.onIq('get', NS.ping, 'ping', 'full', (ctx) => selfPing(service, service.getRoom(ctx.to.local!), ctx));
  host.on('iq', 'full', (ctx) => {
    const type = ctx.stanza.attrs.type;
    const room = service.getRoom(ctx.to.local!);
    try {
      if (type === 'result' || type === 'error') {
        if (room) returnIqResponse(service, room, ctx);
      } else {
        if (!room) throw new StanzaError('cancel', 'not-acceptable', 'you are not in this room');
        forwardIq(service, room, ctx);
      }
    } catch (error) {
      bounce(ctx, error);
    }
    return true;
  });

  // XEP-0045 §10.1.4: a fresh room name.
  host.onIq('get', NS_UNIQUE, 'unique', 'host', () => xml('unique', { xmlns: NS_UNIQUE }, newStanzaId().toLowerCase().replace(/[^a-z0-9]/g, 'x')));
}
