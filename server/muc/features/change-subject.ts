import { StanzaError } from '../../xml/errors.js';
import { booleanField } from '../config-form.js';
import { isBoolean, storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Participants (not only moderators) may change the subject; disco's roominfo shows it (disco.ts). */
    changeSubject: boolean;
  }
}

/** Who may change the subject (XEP-0045 §8.1): moderators, and participants where the room lets them. */
export const changeSubject: RoomFeature = {
  name: 'change-subject',
  defaults: () => ({ changeSubject: false }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'changeSubject', isBoolean),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push(booleanField('changesubject', 'Participants may change the subject', 'changeSubject', 110));
    });
    events.on('subject-change', ({ room, sender }) => {
      const allowed = sender.role === 'moderator' || (room.config.changeSubject && sender.role === 'participant');
      if (!allowed) throw new StanzaError('auth', 'forbidden', 'only moderators may change the subject of this room');
    });
  },
};
