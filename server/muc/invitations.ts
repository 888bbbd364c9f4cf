import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { applyAffiliationChange, checkRoomForAffiliation } from './affiliations.js';
import { fanOut } from './fan-out.js';
import type { MucContext } from './context.js';
import { LIMITS } from './limits.js';
import type { Room } from './room.js';
import { actorOf } from './roles.js';
import { affiliationRank } from './types.js';
import { capText } from './validation.js';

/**
 * XEP-0045 §7.8.2 mediated invitations and their declines, sent as <x xmlns='…muc#user'>
 * in a message to the room. Returns false when the message carries neither.
 */
export function handleInvitations(muc: MucContext, room: Room, from: Jid, stanza: Element): boolean {
  const x = stanza.getChild('x', NS.mucUser);
  const invites = x?.getChildren('invite') ?? [];
  const declines = x?.getChildren('decline') ?? [];
  if (invites.length === 0 && declines.length === 0) return false;
  if (invites.length > LIMITS.invitesPerMessage) throw new StanzaError('modify', 'policy-violation', `at most ${LIMITS.invitesPerMessage} invitations at once`);
  for (const decline of declines.slice(0, 1)) forwardDecline(muc, room, from, decline);
  if (invites.length === 0) return true;
  const inviter = room.occupantByRealJid(from);
  if (!inviter) throw new StanzaError('cancel', 'not-acceptable', 'only people in the room may invite others');
  const actor = actorOf(room, from);
  const grantsMembership = room.config.membersOnly;
  if (grantsMembership && affiliationRank(actor.affiliation) < affiliationRank('admin') &&
      !(room.config.allowInvites && actor.affiliation === 'member')) {
    throw new StanzaError('auth', 'forbidden', 'only admins may invite people into this members-only room');
  }
  const invitees = invites.map((invite) => {
    const to = tryParseJid(invite.attrs.to);
    if (!to) throw new StanzaError('modify', 'jid-malformed', 'an invitation names someone by a valid JID');
    if (grantsMembership) checkRoomForAffiliation(room, to.bare().toString());
    return { to, reason: capText(invite.getChildText('reason') ?? '', LIMITS.reason) };
  });
  // The inviter's real JID only where the room shows real JIDs; otherwise their room JID.
  const inviterJid = room.config.whois === 'anyone' ? from.bare().toString() : room.jid.withResource(inviter.nick).toString();
  for (const { to, reason } of invitees) {
    if (grantsMembership && room.affiliationOf(to) === 'none') {
      applyAffiliationChange(muc, room, actor, { jid: to.bare().toString(), affiliation: 'member' });
    }
    muc.route(invitation(room, stanza.attrs.id, inviterJid, to, reason));
  }
  return true;
}

function invitation(room: Room, id: string | undefined, inviter: string, to: Jid, reason: string): Element {
  const password = room.config.password || undefined;
  const roomJid = room.jid.toString();
  return xml('message', { from: roomJid, to: to.toString(), id },
    xml('x', { xmlns: NS.mucUser },
      xml('invite', { from: inviter }, xml('reason', {}, reason || undefined)),
      password !== undefined && xml('password', {}, password)),
    xml('body', {}, `${inviter} invited you to the room ${roomJid}${reason ? ` (${reason})` : ''}`),
    // XEP-0249 alongside, for clients that only understand direct invitations.
    xml('x', { xmlns: 'jabber:x:conference', jid: roomJid, reason: reason || undefined, password }));
}

/**
 * §7.8.2 decline: passed on to the inviter, if the inviter is someone the room knows (an
 * occupant or an affiliated user), so that the room cannot be used to message strangers.
 */
function forwardDecline(muc: MucContext, room: Room, from: Jid, decline: Element): void {
  const to = tryParseJid(decline.attrs.to);
  if (!to) return;
  const inRoom = room.occupantsOf(to.bare().toString()).flatMap((occupant) => [...occupant.sessions.values()].map((entry) => entry.jid));
  if (inRoom.length === 0 && room.affiliationOf(to) === 'none') return;
  const message = xml('message', { from: room.jid.toString(), to: to.toString() },
    xml('x', { xmlns: NS.mucUser },
      xml('decline', { from: from.bare().toString() },
        xml('reason', {}, capText(decline.getChildText('reason') ?? '', LIMITS.reason) || undefined))));
  // An inviter still in the room hears it there, even with no presence outside it.
  if (inRoom.length === 0) muc.route(message);
  else fanOut(message, inRoom, (jid, copy) => muc.deliver(jid, copy));
}
