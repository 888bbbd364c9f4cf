import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { StanzaContext } from '../core/host.js';
import { presenceError } from './errors.js';
import { tooFast, tryToken } from './flood-limits.js';
import { join, rejoin } from './join.js';
import { errorDeparture, leave, leavePayload } from './leave.js';
import { changeNick } from './nick.js';
import { destroyRoom } from './owner.js';
import { sendPresenceToRoom, clientPayload, occupantPresence } from './outgoing-presence.js';
import { checkNotLocked, lockNewRoom } from './room-lock.js';
import type { Room } from './room.js';
import type { MucService } from './service.js';
import { checkNick } from './validation.js';

/**
 * Presence to room/nick (XEP-0045 §7): entering, presence updates, nick changes, leaving
 * and probes. Only local client sessions take part in rooms.
 */
export function onOccupantPresence(service: MucService, ctx: StanzaContext): boolean {
  const { stanza, from, to, origin } = ctx;
  // Only local clients take part, and only in rooms (not the service's own resources).
  if (!origin || to.local === null) return true;
  const type = stanza.attrs.type;
  let room = service.getRoom(to.local!);
  const occupant = room?.occupantByRealJid(from);
  try {
    if (type === 'unavailable' || type === 'error') {
      if (room && occupant) {
        leave(service, room, occupant, from, type === 'error' ? errorDeparture(stanza) : { payload: leavePayload(stanza) });
      }
      return true;
    }
    if (type === 'probe') {
      probe(service, room, ctx);
      return true;
    }
    if (type !== undefined) return true;
    const requestedNick = rawResource(stanza.attrs.to) ?? to.resource!;
    const nick = checkNick(to.bare(), requestedNick);
    if (nick instanceof StanzaError) throw nick;
    // Every presence change counts, a join too: leaving and rejoining must not dodge the limit.
    if (room && !tryToken(service, room, from.bare().toString(), occupant, 'presence')) throw tooFast('presence');
    if (room && occupant) {
      const entry = occupant.sessions.get(from.toString())!;
      // A client that took over this full JID (a reconnection) is the one to deliver to.
      entry.session = origin;
      if (occupant.nick !== nick) {
        changeNick(service, room, occupant, from, nick, requestedNick, stanza);
      } else if (stanza.getChild('x', NS.muc)) {
        entry.presence = clientPayload(stanza);
        occupant.putSession(entry);
        rejoin(service, room, occupant, entry, stanza);
      } else {
        entry.presence = clientPayload(stanza);
        occupant.putSession(entry);
        sendPresenceToRoom(service, room, occupant, { session: entry });
      }
      return true;
    }
    if (room) checkNotLocked(room, from);
    const created = !room;
    room ??= service.createRoom(to.local!, from, origin);
    try {
      join(service, { room, created, nick, requestedNick, from, session: origin, stanza });
    } catch (error) {
      // A room made for a join that failed does not outlive the failure.
      if (created && room.isEmpty) service.removeRoom(room);
      throw error;
    }
    if (created) lockNewRoom(service, room, (locked) => destroyRoom(service, locked, { reason: 'The room was not configured in time.' }));
  } catch (error) {
    if (!(error instanceof StanzaError)) throw error;
    presenceError(service, ctx, error);
  }
  return true;
}

/**
 * Presence to the room itself: unavailable (or an error) leaves, whatever the nick; an
 * available presence lacks the nickname a join needs (§7.2.1).
 */
export function onBarePresence(service: MucService, ctx: StanzaContext): boolean {
  const { stanza, from, to } = ctx;
  const room = service.getRoom(to.local!);
  const occupant = room?.occupantByRealJid(from);
  if (stanza.attrs.type === 'unavailable' || stanza.attrs.type === 'error') {
    const change = stanza.attrs.type === 'error' ? errorDeparture(stanza) : { payload: leavePayload(stanza) };
    if (room && occupant) leave(service, room, occupant, from, change);
  } else if (stanza.attrs.type === undefined) {
    presenceError(service, ctx, new StanzaError('modify', 'jid-malformed', 'join a room as room@service/nickname'));
  }
  return true;
}

/**
 * A probe of an occupant's presence, for those in the room: their current presence, or for a
 * user who reserved the nick and is away, an unavailable presence with their affiliation.
 */
function probe(service: MucService, room: Room | undefined, ctx: StanzaContext): void {
  const prober = room?.occupantByRealJid(ctx.from);
  if (!room || !prober) throw new StanzaError('cancel', 'not-acceptable', 'you are not in this room');
  const realJid = room.showsRealJidsTo(prober);
  const target = room.occupantByNick(ctx.to.resource!);
  if (target) {
    const presence = occupantPresence(room, target, {}, { realJid, actorJid: realJid, self: false });
    presence.attrs.to = ctx.from.toString();
    service.deliver(ctx.from, presence);
    return;
  }
  const holder = room.nickHolder(ctx.to.resource!);
  if (holder === undefined) throw new StanzaError('cancel', 'item-not-found', 'nobody in this room uses that nickname');
  service.deliver(ctx.from, xml('presence', { from: ctx.to.toString(), to: ctx.from.toString(), type: 'unavailable' },
    xml('x', { xmlns: NS.mucUser },
      xml('item', { nick: ctx.to.resource!, affiliation: room.affiliationOf(holder), role: 'none', jid: realJid ? holder : undefined }))));
}

/** The nickname as the client wrote it, before normalisation (so that 210 can say it changed). */
function rawResource(to: string | undefined): string | undefined {
  const slash = to?.indexOf('/') ?? -1;
  return slash === -1 ? undefined : to!.slice(slash + 1);
}
