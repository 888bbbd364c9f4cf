import { booleanField } from '../config-form.js';
import { isBoolean, storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Listed in the service's disco#items (once unlocked). */
    public: boolean;
  }
}

/** XEP-0045 public and hidden rooms: listed in the directory, or not. */
export const publicRoom: RoomFeature = {
  name: 'public',
  defaults: () => ({ public: true }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'public', isBoolean),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push(booleanField('publicroom', 'List the room in the directory', 'public', 40));
    });
    events.on('disco-info', ({ room, features }) => {
      features.push(room.config.public ? 'muc_public' : 'muc_hidden');
    });
  },
};
