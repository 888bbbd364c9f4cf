import { StanzaError } from '../../xml/errors.js';
import { booleanField } from '../config-form.js';
import { isBoolean, storedOr } from '../room-config.js';
import { affiliationRank } from '../types.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Only members (and admins, owners) enter; read elsewhere for membership by invitation and for archive access. */
    membersOnly: boolean;
  }
}

/** XEP-0045 members-only rooms (the removal of non-members when a room becomes one stays in owner.ts, after the announcement). */
export const membersOnly: RoomFeature = {
  name: 'members-only',
  defaults: () => ({ membersOnly: false }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'membersOnly', isBoolean),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push(booleanField('membersonly', 'Only members may enter', 'membersOnly', 50));
    });
    events.on('disco-info', ({ room, features }) => {
      features.push(room.config.membersOnly ? 'muc_membersonly' : 'muc_open');
    });
    events.on('pre-join', ({ room, affiliation }) => {
      if (room.config.membersOnly && affiliationRank(affiliation) < affiliationRank('member')) {
        throw new StanzaError('auth', 'registration-required', 'this room is for members only');
      }
    });
  },
};
