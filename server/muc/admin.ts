import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { applyAffiliationChange, checkAffiliationChanges, type AffiliationChange } from './affiliations.js';
import type { MucContext } from './context.js';
import { LIMITS } from './limits.js';
import type { Occupant } from './occupant.js';
import { actorOf, applyRoleChange, checkRoleChange } from './roles.js';
import type { Room } from './room.js';
import { affiliationRank, isAffiliation, isRole, type Affiliation, type Role } from './types.js';
import { capText, checkNick } from './validation.js';

const MAX_ITEMS = 50;

/**
 * XEP-0045 §8-10 muc#admin set: role changes by nick, affiliation changes by JID (or by an
 * occupant's nick). The whole batch is checked before any of it applies.
 */
export function adminSet(muc: MucContext, room: Room, from: Jid, query: Element): null {
  const items = query.getChildren('item');
  if (items.length === 0 || items.length > MAX_ITEMS) throw new StanzaError('modify', 'bad-request', `send 1 to ${MAX_ITEMS} items`);
  const actor = actorOf(room, from);
  const roleChanges: { target: Occupant; role: Role; reason?: string }[] = [];
  const affiliationChanges: AffiliationChange[] = [];
  for (const item of items) {
    const reasonText = item.getChildText('reason');
    const reason = reasonText === null ? undefined : capText(reasonText, LIMITS.reason);
    const { role, affiliation } = item.attrs;
    if (isRole(role) && affiliation === undefined) {
      const target = item.attrs.nick === undefined ? undefined : room.occupantByNick(nickOf(room, item.attrs.nick));
      if (!target) throw new StanzaError('cancel', 'item-not-found', 'nobody in this room uses that nickname');
      checkRoleChange(room, actor, target, role);
      roleChanges.push({ target, role, reason });
    } else if (isAffiliation(affiliation) && role === undefined) {
      affiliationChanges.push({ jid: targetJid(room, item), affiliation, nick: reservedNick(room, item, affiliation), reason });
    } else {
      throw new StanzaError('modify', 'bad-request', 'each item changes either a role or an affiliation');
    }
  }
  checkAffiliationChanges(room, actor, affiliationChanges);
  for (const change of roleChanges) applyRoleChange(muc, room, actor, change.target, change.role, change.reason);
  for (const change of affiliationChanges) applyAffiliationChange(muc, room, actor, change);
  return null;
}

/** muc#admin get: an affiliation list (§9.5, §10.5) or a role list (§8.5, §9.8). */
export function adminGet(room: Room, from: Jid, query: Element): Element {
  const items = query.getChildren('item');
  if (items.length !== 1) throw new StanzaError('modify', 'bad-request', 'ask for one list at a time');
  const { role, affiliation } = items[0]!.attrs;
  if (isAffiliation(affiliation) && affiliation !== 'none') return affiliationList(room, from, affiliation);
  if (isRole(role) && role !== 'none') return roleList(room, from, role);
  throw new StanzaError('modify', 'bad-request', 'ask for an affiliation or a role');
}

function affiliationList(room: Room, from: Jid, affiliation: Affiliation): Element {
  const requester = room.affiliationOf(from);
  // Members of a members-only room where everyone sees real JIDs may see who else belongs.
  const memberMayRead = requester === 'member' && room.config.membersOnly && room.config.whois === 'anyone' && affiliation !== 'outcast';
  if (affiliationRank(requester) < affiliationRank('admin') && !memberMayRead) {
    throw new StanzaError('auth', 'forbidden', 'you may not see this list');
  }
  const entries = [...room.affiliations].filter(([, entry]) => entry.affiliation === affiliation);
  return xml('query', { xmlns: NS.mucAdmin },
    ...entries.map(([jid, entry]) => xml('item', { affiliation, jid, nick: entry.nick ?? undefined },
      entry.reason !== null && xml('reason', {}, entry.reason))));
}

function roleList(room: Room, from: Jid, role: Role): Element {
  const requester = room.occupantByRealJid(from);
  if (requester?.role !== 'moderator') throw new StanzaError('auth', 'forbidden', 'only moderators may see role lists');
  const occupants = [...room.occupants.values()].filter((occupant) => occupant.role === role);
  return xml('query', { xmlns: NS.mucAdmin },
    ...occupants.map((occupant) => xml('item', {
      role,
      nick: occupant.nick,
      affiliation: room.affiliationOf(occupant.bare),
      jid: occupant.primary.jid.toString(),
    })));
}

function nickOf(room: Room, raw: string): string {
  const nick = checkNick(room.jid, raw);
  if (nick instanceof StanzaError) throw nick;
  return nick;
}

function targetJid(room: Room, item: Element): string {
  if (item.attrs.jid !== undefined) {
    const jid = tryParseJid(item.attrs.jid);
    if (!jid) throw new StanzaError('modify', 'jid-malformed', 'the item’s jid is not a valid JID');
    return jid.bare().toString();
  }
  const occupant = item.attrs.nick === undefined ? undefined : room.occupantByNick(nickOf(room, item.attrs.nick));
  if (!occupant) throw new StanzaError('modify', 'bad-request', 'an affiliation change names a jid or the nick of an occupant');
  return occupant.bare.toString();
}

/** An item with a jid and a nick reserves the nick (§7.10) for members and above. */
function reservedNick(room: Room, item: Element, affiliation: Affiliation): string | undefined {
  if (item.attrs.jid === undefined || item.attrs.nick === undefined) return undefined;
  if (affiliation === 'none' || affiliation === 'outcast') return undefined;
  const nick = nickOf(room, item.attrs.nick);
  const holder = room.nickHolder(nick);
  const jid = tryParseJid(item.attrs.jid)?.bare().toString();
  if (holder !== undefined && holder !== jid) throw new StanzaError('cancel', 'conflict', 'someone else reserved this nickname');
  return nick;
}
