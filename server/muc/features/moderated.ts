import { booleanOption } from './boolean-option.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Newcomers without an affiliation enter as visitors, without voice (Room.defaultRole). */
    moderated: boolean;
  }
}

/** XEP-0045 moderated rooms: only participants with voice may speak (the voice check is the core's, messages.ts). */
export const moderated = booleanOption('moderated', {
  key: 'moderated', default: false,
  field: 'moderatedroom', label: 'Only participants with voice may speak', position: 60,
  disco: { on: 'muc_moderated', off: 'muc_unmoderated' },
});
