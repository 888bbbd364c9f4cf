import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import { applyConfigForm, configForm, CORE_CONFIG_FIELDS, type ConfigField, type FormLimits } from './config-form.js';
import type { MucContext } from './context.js';
import { expel, forgetIfEmpty } from './leave.js';
import { sendSelfPresence, STATUS, statusMessage } from './outgoing-presence.js';
import { fanOutToRoom } from './fan-out.js';
import { maxHistoryLength } from './room-config.js';
import { isLocked, unlock } from './room-lock.js';
import type { Room } from './room.js';
import type { RoomConfig } from './types.js';
import { capText } from './validation.js';
import { LIMITS } from './limits.js';

export function formLimits(muc: MucContext): FormLimits {
  const config = muc.server.config.muc;
  return { maxUsers: config.max_occupants, maxHistoryLength: maxHistoryLength(config) };
}

/** The configuration form's fields: the core's, then the features'. */
function configFields(muc: MucContext, room: Room): ConfigField[] {
  const fields = [...CORE_CONFIG_FIELDS];
  muc.events.emit('config-form', { room, fields });
  return fields;
}

function requireOwner(room: Room, from: Jid): void {
  if (room.affiliationOf(from) !== 'owner') throw new StanzaError('auth', 'forbidden', 'only owners may configure this room');
}

/** §10.2: the configuration form. */
export function ownerGet(muc: MucContext, room: Room, from: Jid): Element {
  requireOwner(room, from);
  return xml('query', { xmlns: NS.mucOwner }, configForm(room.jid.toString(), room.config, formLimits(muc), configFields(muc, room)));
}

/**
 * §10.2 and §10.9: a submitted form, a cancelled one, or the room's destruction. Returns a
 * function that sends the consequences, so that the owner gets the iq result first.
 */
export function ownerSet(muc: MucContext, room: Room, from: Jid, query: Element): () => void {
  requireOwner(room, from);
  const destroy = query.getChild('destroy');
  if (destroy) {
    if (destroy.attrs.jid !== undefined && !tryParseJid(destroy.attrs.jid)) {
      throw new StanzaError('modify', 'jid-malformed', 'the alternative room is not a valid JID');
    }
    destroyRoom(muc, room, { jid: destroy.attrs.jid, reason: optionalText(destroy.getChildText('reason')) });
    return () => {};
  }
  const form = query.getChild('x', NS.dataForms);
  if (!form) throw new StanzaError('modify', 'bad-request', 'send a form or a destroy request');
  if (form.attrs.type === 'cancel') {
    // §10.1.3: cancelling the initial configuration destroys the new room.
    return isLocked(room) ? () => destroyRoom(muc, room, {}) : () => {};
  }
  if (form.attrs.type !== 'submit') throw new StanzaError('modify', 'bad-request', 'the form must be of type submit');
  const next = applyConfigForm(room.config, form, formLimits(muc), configFields(muc, room));
  if (next.persistent && !room.config.persistent && muc.server.hosts.get(from.domain)?.kind === 'anonymous') {
    throw new StanzaError('cancel', 'not-allowed', 'guests cannot keep rooms; sign in with an account to make a room persistent');
  }
  unlock(room);
  const previous = room.config;
  room.setConfig(next);
  muc.roomChanged(room);
  return () => announceConfigChange(muc, room, previous, next);
}

/** Status codes for occupants (§10.2.1) and the removal of non-members from a room turned members-only. */
function announceConfigChange(muc: MucContext, room: Room, previous: RoomConfig, next: RoomConfig): void {
  const changed = (Object.keys(next) as (keyof RoomConfig)[]).some((key) => next[key] !== previous[key]);
  if (changed) {
    const codes: number[] = [STATUS.configChanged];
    if (next.whois !== previous.whois) codes.push(next.whois === 'anyone' ? STATUS.nowNonAnonymous : STATUS.nowSemiAnonymous);
    muc.events.emit('config-changed', { room, previous, next, codes });
    fanOutToRoom(muc, room, statusMessage(room, codes));
  }
  if (next.membersOnly && !previous.membersOnly) {
    for (const occupant of [...room.occupants.values()]) {
      if (room.affiliationOf(occupant.bare) === 'none') expel(muc, room, occupant, { codes: [STATUS.membersOnly] });
    }
  }
  forgetIfEmpty(muc, room);
}

/** §10.9: every occupant leaves with the reason (and the room to go to), then the room is gone. */
export function destroyRoom(muc: MucContext, room: Room, destroy: { jid?: string; reason?: string }): void {
  unlock(room);
  for (const occupant of [...room.occupants.values()]) {
    const affiliation = room.affiliationOf(occupant.bare);
    room.removeOccupant(occupant);
    for (const entry of occupant.sessions.values()) muc.track(entry.session, room, false);
    sendSelfPresence(muc, room, occupant, { type: 'unavailable', destroy, affiliation });
  }
  muc.removeRoom(room);
}

function optionalText(value: string | null): string | undefined {
  return value === null ? undefined : capText(value, LIMITS.reason);
}
