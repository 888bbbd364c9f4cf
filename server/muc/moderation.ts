import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import { occupantIdElement } from './occupant-id.js';
import { fanOutToRoom } from './fan-out.js';
import { deliverInOrder } from './ordered-delivery.js';
import type { RoomEventMap } from './room-events.js';
import type { Room } from './room.js';
import { newStanzaId, stanzaIdElement } from './stamps.js';
import { capText } from './validation.js';
import { LIMITS } from './limits.js';

export const NS_MODERATE = 'urn:xmpp:message-moderate:1';
export const NS_MODERATE_0 = 'urn:xmpp:message-moderate:0';
export const NS_RETRACT = 'urn:xmpp:message-retract:1';
export const NS_RETRACT_0 = 'urn:xmpp:message-retract:0';
export const NS_FASTEN = 'urn:xmpp:fasten:0';

/** A moderation request in either version of XEP-0425: which message, and why. */
export interface ModerationRequest {
  id: string;
  reason?: string;
}

/** 0.3: <moderate id xmlns='…:1'><retract xmlns='…retract:1'/><reason/></moderate>. */
export function parseModerate(moderate: Element): ModerationRequest {
  if (!moderate.getChild('retract', NS_RETRACT)) throw new StanzaError('cancel', 'feature-not-implemented', 'only retraction is supported');
  return request(moderate.attrs.id, moderate.getChildText('reason'));
}

/** 0.2: <apply-to id xmlns='urn:xmpp:fasten:0'><moderate xmlns='…:0'><retract xmlns='…retract:0'/>…. */
export function parseApplyTo(applyTo: Element): ModerationRequest {
  const moderate = applyTo.getChild('moderate', NS_MODERATE_0);
  if (!moderate) throw new StanzaError('cancel', 'feature-not-implemented', 'only moderation is supported');
  if (!moderate.getChild('retract', NS_RETRACT_0)) throw new StanzaError('cancel', 'feature-not-implemented', 'only retraction is supported');
  return request(applyTo.attrs.id, moderate.getChildText('reason'));
}

function request(id: string | undefined, reason: string | null): ModerationRequest {
  if (!id || id.length > 128) throw new StanzaError('modify', 'bad-request', 'name the message by its stanza-id');
  return { id, reason: reason ? capText(reason, LIMITS.reason) : undefined };
}

/**
 * XEP-0425: a moderator retracts a message. Its kept copy becomes a tombstone, and
 * every occupant gets the retraction in both versions of the protocol (Converse.js reads the
 * newer, Gajim and older clients the older). The retraction is kept in history too, so that
 * clients catching up later also hide the message.
 */
export function moderate(muc: MucContext, room: Room, from: Jid, request: ModerationRequest): void | Promise<void> {
  const moderator = room.occupantByRealJid(from);
  if (moderator?.role !== 'moderator') throw new StanzaError('auth', 'forbidden', 'only moderators may retract messages');
  const by = room.jid.withResource(moderator.nick).toString();
  muc.events.emit('history-retract', { room, id: request.id, by, reason: request.reason });
  const reason = () => (request.reason === undefined ? undefined : xml('reason', {}, request.reason));
  const id = newStanzaId();
  const announcement = xml('message', { type: 'groupchat', from: room.jid.toString(), id },
    xml('retract', { xmlns: NS_RETRACT, id: request.id },
      xml('moderated', { xmlns: NS_MODERATE, by }, occupantIdElement(moderator.occupantId)),
      reason()),
    xml('apply-to', { xmlns: NS_FASTEN, id: request.id },
      xml('moderated', { xmlns: NS_MODERATE_0, by },
        xml('retract', { xmlns: NS_RETRACT_0 }),
        reason())),
    stanzaIdElement(room, id));
  const kept: RoomEventMap['history-append'] = {
    room, entry: { id, stanza: announcement, nick: moderator.nick, occupantId: moderator.occupantId, timestamp: muc.server.now() },
  };
  muc.events.emit('history-append', kept);
  return deliverInOrder(room, kept.committed, () => fanOutToRoom(muc, room, announcement));
}
