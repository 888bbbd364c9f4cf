import { booleanOption } from './boolean-option.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Listed in the service's disco#items (once unlocked; disco.ts listPublicRooms). */
    public: boolean;
  }
}

/** XEP-0045 public and hidden rooms: listed in the directory, or not. */
export const publicRoom = booleanOption('public', {
  key: 'public', default: true,
  field: 'publicroom', label: 'List the room in the directory', position: 40,
  disco: { on: 'muc_public', off: 'muc_hidden' },
});
