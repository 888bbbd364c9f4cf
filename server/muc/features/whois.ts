import { StanzaError } from '../../xml/errors.js';
import { STATUS } from '../outgoing-presence.js';
import { storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

/** Who sees occupants' real JIDs: moderators (semi-anonymous) or anyone (non-anonymous). */
export type Whois = 'moderators' | 'anyone';

declare module '../types.js' {
  interface RoomConfig {
    /** Read by Room.showsRealJidsTo, invitations and the admin lists. */
    whois: Whois;
  }
}

export function isWhois(value: unknown): value is Whois {
  return value === 'moderators' || value === 'anyone';
}

/** XEP-0045 semi-anonymous and non-anonymous rooms; comes before features that add status codes after 100/172/173. */
export const whois: RoomFeature = {
  name: 'whois',
  defaults: () => ({ whois: 'moderators' }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'whois', isWhois),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_whois', type: 'list-single', label: 'Who may see real addresses', position: 90,
        options: () => [{ label: 'Moderators only', value: 'moderators' }, { label: 'Anyone', value: 'anyone' }],
        get: (config) => config.whois,
        set: (config, value) => {
          if (!isWhois(value)) throw new StanzaError('modify', 'not-acceptable', 'whois is moderators or anyone');
          return { ...config, whois: value };
        },
      });
    });
    events.on('disco-info', ({ room, features }) => {
      features.push(room.config.whois === 'anyone' ? 'muc_nonanonymous' : 'muc_semianonymous');
    });
    events.on('join-status-codes', ({ room, codes }) => {
      if (room.config.whois === 'anyone') codes.push(STATUS.nonAnonymous);
    });
    events.on('config-changed', ({ previous, next, codes }) => {
      if (next.whois !== previous.whois) codes.push(next.whois === 'anyone' ? STATUS.nowNonAnonymous : STATUS.nowSemiAnonymous);
    });
  },
};
