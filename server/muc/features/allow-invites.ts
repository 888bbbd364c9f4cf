import { booleanOption } from './boolean-option.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Members may invite others into a members-only room, which makes them members (invitations.ts). */
    allowInvites: boolean;
  }
}

/** muc#roomconfig_allowinvites. */
export const allowInvites = booleanOption('allow-invites', {
  key: 'allowInvites', default: false,
  field: 'allowinvites', label: 'Members may invite others (who become members)', position: 120,
});
