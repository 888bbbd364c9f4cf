import { StanzaError } from '../../xml/errors.js';
import type { Occupant } from '../occupant.js';
import { storedOr } from '../room-config.js';
import { roleRank } from '../types.js';
import type { RoomFeature } from './feature.js';

export type AllowPm = 'anyone' | 'participants' | 'moderators' | 'none';

declare module '../types.js' {
  interface RoomConfig {
    /** Who may send private messages through the room (XEP-0045 §7.5). */
    allowPm: AllowPm;
  }
}

export function isAllowPm(value: unknown): value is AllowPm {
  return value === 'anyone' || value === 'participants' || value === 'moderators' || value === 'none';
}

function mayMessagePrivately(allowPm: AllowPm, sender: Occupant): boolean {
  switch (allowPm) {
    case 'anyone': return true;
    case 'participants': return roleRank(sender.role) >= roleRank('participant');
    case 'moderators': return sender.role === 'moderator';
    case 'none': return false;
  }
}

/** muc#roomconfig_allowpm: which roles may send private messages to occupants. */
export const allowPm: RoomFeature = {
  name: 'allow-pm',
  defaults: () => ({ allowPm: 'anyone' }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'allowPm', isAllowPm),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_allowpm', type: 'list-single', label: 'Who may send private messages', position: 100,
        options: () => [
          { label: 'Anyone', value: 'anyone' },
          { label: 'Participants and moderators', value: 'participants' },
          { label: 'Moderators only', value: 'moderators' },
          { label: 'Nobody', value: 'none' },
        ],
        get: (config) => config.allowPm,
        set: (config, value) => {
          // Some clients send this field as a boolean.
          const mapped = value === '1' || value === 'true' ? 'anyone' : value === '0' || value === 'false' ? 'none' : value;
          if (!isAllowPm(mapped)) throw new StanzaError('modify', 'not-acceptable', 'allowpm is anyone, participants, moderators or none');
          return { ...config, allowPm: mapped };
        },
      });
    });
    events.on('private-message', ({ room, sender }) => {
      if (!mayMessagePrivately(room.config.allowPm, sender)) throw new StanzaError('auth', 'forbidden', 'private messages are not allowed here');
    });
  },
};
