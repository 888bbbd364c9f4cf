import { StanzaError } from '../../xml/errors.js';
import { affiliationRank } from '../types.js';
import { booleanOption } from './boolean-option.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Only members (and admins, owners) enter; read elsewhere for membership by invitation and for archive access. */
    membersOnly: boolean;
  }
}

/** XEP-0045 members-only rooms (the removal of non-members when a room becomes one stays in owner.ts, after the announcement). */
export const membersOnly = booleanOption('members-only', {
  key: 'membersOnly', default: false,
  field: 'membersonly', label: 'Only members may enter', position: 50,
  disco: { on: 'muc_membersonly', off: 'muc_open' },
  install({ events }) {
    events.on('pre-join', ({ room, affiliation }) => {
      if (room.config.membersOnly && affiliationRank(affiliation) < affiliationRank('member')) {
        throw new StanzaError('auth', 'registration-required', 'this room is for members only');
      }
    });
  },
});
