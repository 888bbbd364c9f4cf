import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import type { Host } from '../core/host.js';
import type { Jid } from '../jid/jid.js';
import { isLocked } from './room-lock.js';
import type { Room } from './room.js';
import { NS_MODERATE, NS_MODERATE_0 } from './moderation.js';
import type { RoomEvents } from './room-events.js';

export const NS_SELF_PING = 'http://jabber.org/protocol/muc#self-ping-optimization';
export const NS_STABLE_ID = 'http://jabber.org/protocol/muc#stable_id';
export const NS_UNIQUE = 'http://jabber.org/protocol/muc#unique';
export const NS_REGISTER = 'jabber:iq:register';
const ROOMINFO = 'http://jabber.org/protocol/muc#roominfo';

/**
 * XEP-0045 §6.4: what a room is: its identity, the muc_* features that describe its
 * configuration, what it supports, and the muc#roominfo form (description, occupants, subject).
 */
export function roomInfo(room: Room, events: RoomEvents): Element {
  const { config } = room;
  const features = [
    NS.discoInfo, NS.muc, NS_STABLE_ID, NS_SELF_PING, NS.occupantId, NS_MODERATE, NS_MODERATE_0, NS_REGISTER,
    config.persistent ? 'muc_persistent' : 'muc_temporary',
  ];
  events.emit('disco-info', { room, features });
  return xml('query', { xmlns: NS.discoInfo },
    xml('identity', { category: 'conference', type: 'text', name: room.title }),
    ...features.sort().map((feature) => xml('feature', { var: feature })),
    xml('x', { xmlns: NS.dataForms, type: 'result' },
      field('FORM_TYPE', ROOMINFO, 'hidden'),
      field('muc#roominfo_description', config.description),
      field('muc#roominfo_occupants', String(room.occupants.size)),
      field('muc#roominfo_subject', room.subject.text),
      field('muc#roomconfig_roomname', room.title),
      field('muc#roominfo_changesubject', config.changeSubject ? '1' : '0')));
}

/** §7.10.4: the nickname the asker reserved, as an identity (none when they have not). */
export function reservedNickInfo(room: Room, from: Jid): Element {
  const nick = room.affiliations.get(from.bare().toString())?.nick;
  return xml('query', { xmlns: NS.discoInfo, node: 'x-roomuser-item' },
    nick ? xml('identity', { category: 'conference', type: 'text', name: nick }) : undefined);
}

function field(name: string, value: string, type?: string): Element {
  return xml('field', { var: name, type }, xml('value', {}, value));
}

/** A public room that is open (not locked for its creator): listed in disco and the statistics. */
export function isListed(room: Room): boolean {
  return room.config.public && !isLocked(room);
}

/** The service's disco#items (§6.3): public rooms, kept in the host's item list as rooms change. */
export function listPublicRooms(host: Host, rooms: Iterable<Room>): void {
  const listed = [...rooms].filter(isListed)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((room) => ({ jid: room.jid.toString(), name: room.title }));
  host.items.splice(0, host.items.length, ...listed);
}
