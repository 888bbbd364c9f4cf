import { StanzaError } from '../../xml/errors.js';
import { expel } from '../leave.js';
import { STATUS } from '../outgoing-presence.js';
import { affiliationRank } from '../types.js';
import { booleanOption } from './boolean-option.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Only members (and admins, owners) enter; read elsewhere for membership by invitation and for archive access. */
    membersOnly: boolean;
  }
}

/** XEP-0045 members-only rooms. */
export const membersOnly = booleanOption('members-only', {
  key: 'membersOnly', default: false,
  field: 'membersonly', label: 'Only members may enter', position: 50,
  disco: { on: 'muc_membersonly', off: 'muc_open' },
  install(service) {
    const { events } = service;
    // §9.3: occupants without an affiliation leave a room that becomes members-only, after its announcement.
    events.on('config-announced', ({ room, previous, next }) => {
      if (!next.membersOnly || previous.membersOnly) return;
      for (const occupant of [...room.occupants.values()]) {
        if (room.affiliationOf(occupant.bare) === 'none') expel(service, room, occupant, { codes: [STATUS.membersOnly] });
      }
    });
    events.on('pre-join', ({ room, affiliation }) => {
      if (room.config.membersOnly && affiliationRank(affiliation) < affiliationRank('member')) {
        throw new StanzaError('auth', 'registration-required', 'this room is for members only');
      }
    });
  },
});
