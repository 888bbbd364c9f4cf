import { createHash, timingSafeEqual } from 'node:crypto';
import type { Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { bool, parseBoolean, parseText } from '../config-form.js';
import { LIMITS } from '../limits.js';
import { isString, storedOr } from '../room-config.js';
import { affiliationRank } from '../types.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** '' = no password. */
    password: string;
  }
}

/** Compared as digests, in constant time, so that neither the length nor the content leaks. */
function passwordMatches(password: string, mucX: Element | undefined): boolean {
  const given = mucX?.getChildText('password') ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(password));
}

/** XEP-0045 password-protected rooms: admins and owners enter without it. */
export const password: RoomFeature = {
  name: 'password',
  defaults: () => ({ password: '' }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'password', isString),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_passwordprotectedroom', type: 'boolean', label: 'A password is needed to enter', position: 70,
        get: (config) => bool(config.password !== ''),
        set: (config, value) => (parseBoolean('passwordprotectedroom', value), config),
        // Off clears the password; on needs one, from this form or from before.
        settle: (config, value) => {
          if (!parseBoolean('passwordprotectedroom', value)) return { ...config, password: '' };
          if (config.password === '') throw new StanzaError('modify', 'not-acceptable', 'a password-protected room needs a password');
          return config;
        },
      }, {
        var: 'muc#roomconfig_roomsecret', type: 'text-private', label: 'Password', position: 80,
        get: (config) => config.password,
        set: (config, value) => ({ ...config, password: parseText('roomsecret', value, LIMITS.password) }),
      });
    });
    events.on('disco-info', ({ room, features }) => {
      features.push(room.config.password !== '' ? 'muc_passwordprotected' : 'muc_unsecured');
    });
    events.on('pre-join', ({ room, affiliation, mucX }) => {
      if (room.config.password !== '' && affiliationRank(affiliation) < affiliationRank('admin') && !passwordMatches(room.config.password, mucX)) {
        throw new StanzaError('auth', 'not-authorized', 'this room needs a password');
      }
    });
  },
};
