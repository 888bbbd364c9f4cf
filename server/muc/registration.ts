import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import { applyAffiliationChange, checkLastOwner, type AffiliationChange } from './affiliations.js';
import type { MucContext } from './context.js';
import { NS_REGISTER } from './disco.js';
import { actorOf } from './roles.js';
import type { Room } from './room.js';
import { affiliationRank } from './types.js';
import { checkNick } from './validation.js';

const REGISTER_FORM_TYPE = 'http://jabber.org/protocol/muc#register';
const NICK_FIELD = 'muc#register_roomnick';

/**
 * XEP-0045 §7.10: affiliated users (members and above) reserve a nickname in the room, which
 * nobody else may then use; §7.10.1 (removal) gives up the affiliation. Registering as a new
 * member is not offered: owners and admins decide who belongs.
 */
export function registrationForm(room: Room, from: Jid): Element {
  requireAffiliation(room, from);
  const nick = room.affiliations.get(from.bare().toString())?.nick;
  return xml('query', { xmlns: NS_REGISTER },
    nick ? xml('registered') : undefined,
    xml('x', { xmlns: NS.dataForms, type: 'form' },
      xml('field', { type: 'hidden', var: 'FORM_TYPE' }, xml('value', {}, REGISTER_FORM_TYPE)),
      xml('field', { type: 'text-single', label: 'Nickname', var: NICK_FIELD },
        xml('required'),
        nick ? xml('value', {}, nick) : undefined)));
}

export function register(muc: MucContext, room: Room, from: Jid, query: Element): null {
  requireAffiliation(room, from);
  const bare = from.bare().toString();
  const actor = actorOf(room, from);
  if (query.getChild('remove')) {
    const change: AffiliationChange = { jid: bare, affiliation: 'none' };
    if (room.isServerAdmin(bare)) throw new StanzaError('cancel', 'not-allowed', 'server administrators own every room');
    checkLastOwner(room, [change]);
    applyAffiliationChange(muc, room, actor, change);
    return null;
  }
  const form = query.getChild('x', NS.dataForms);
  const fields = new Map((form?.getChildren('field') ?? []).map((field) => [field.attrs.var, field.getChildText('value') ?? '']));
  if (fields.get('FORM_TYPE') !== REGISTER_FORM_TYPE || !fields.get(NICK_FIELD)) {
    throw new StanzaError('modify', 'bad-request', `submit the ${REGISTER_FORM_TYPE} form with a nickname`);
  }
  const nick = checkNick(room.jid, fields.get(NICK_FIELD)!);
  if (nick instanceof StanzaError) throw nick;
  const holder = room.nickHolder(nick);
  const user = room.occupantWithNickLike(nick);
  if ((holder !== undefined && holder !== bare) || (user && user.bare.toString() !== bare)) {
    throw new StanzaError('cancel', 'conflict', 'this nickname is taken');
  }
  applyAffiliationChange(muc, room, actor, { jid: bare, affiliation: room.affiliationOf(from), nick });
  return null;
}

function requireAffiliation(room: Room, from: Jid): void {
  if (affiliationRank(room.affiliationOf(from)) < affiliationRank('member')) {
    throw new StanzaError('auth', 'registration-required', 'only members may reserve a nickname in this room');
  }
}
