import { booleanField } from '../config-form.js';
import { isBoolean, storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Newcomers without an affiliation enter as visitors, without voice (Room.defaultRole). */
    moderated: boolean;
  }
}

/** XEP-0045 moderated rooms: only participants with voice may speak (the voice check is the core's, messages.ts). */
export const moderated: RoomFeature = {
  name: 'moderated',
  defaults: () => ({ moderated: false }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'moderated', isBoolean),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push(booleanField('moderatedroom', 'Only participants with voice may speak', 'moderated', 60));
    });
    events.on('disco-info', ({ room, features }) => {
      features.push(room.config.moderated ? 'muc_moderated' : 'muc_unmoderated');
    });
  },
};
