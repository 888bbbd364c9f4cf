import { parseText } from '../config-form.js';
import { LIMITS } from '../limits.js';
import { isString, storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Shown name; '' means the localpart (Room.title). */
    name: string;
    description: string;
  }
}

/** The room's title and description, as the owner sets them (disco shows them, disco.ts). */
export const nameAndDescription: RoomFeature = {
  name: 'name-and-description',
  defaults: () => ({ name: '', description: '' }),
  readStored: (stored, defaults) => ({
    ...storedOr(stored, defaults, 'name', isString),
    ...storedOr(stored, defaults, 'description', isString),
  }),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Title', position: 10,
        get: (config) => config.name,
        set: (config, value) => ({ ...config, name: parseText('roomname', value, LIMITS.roomTitle) }),
      }, {
        var: 'muc#roomconfig_roomdesc', type: 'text-single', label: 'Description', position: 20,
        get: (config) => config.description,
        set: (config, value) => ({ ...config, description: parseText('roomdesc', value, LIMITS.roomDescription) }),
      });
    });
  },
};
