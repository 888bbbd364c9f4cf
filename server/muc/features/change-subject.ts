import { StanzaError } from '../../xml/errors.js';
import { booleanOption } from './boolean-option.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Participants (not only moderators) may change the subject; disco's roominfo shows it (disco.ts). */
    changeSubject: boolean;
  }
}

/** Who may change the subject (XEP-0045 §8.1): moderators, and participants where the room lets them. */
export const changeSubject = booleanOption('change-subject', {
  key: 'changeSubject', default: false,
  field: 'changesubject', label: 'Participants may change the subject', position: 110,
  install({ events }) {
    events.on('subject-change', ({ room, sender }) => {
      const allowed = sender.role === 'moderator' || (room.config.changeSubject && sender.role === 'participant');
      if (!allowed) throw new StanzaError('auth', 'forbidden', 'only moderators may change the subject of this room');
    });
  },
});
