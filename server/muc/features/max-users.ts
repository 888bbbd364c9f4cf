import { parseCount } from '../config-form.js';
import { isCount, storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Most occupants (admins and owners still enter a full room); the core enforces it with [muc].max_occupants (join.ts). */
    maxUsers: number;
  }
}

const USER_LIMIT_CHOICES = [5, 10, 20, 30, 50, 100, 200, 500, 1000];

/** muc#roomconfig_maxusers: how many may be in the room, up to [muc].max_occupants. */
export const maxUsers: RoomFeature = {
  name: 'max-users',
  defaults: (policy) => ({ maxUsers: policy.max_occupants }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'maxUsers', isCount),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_maxusers', type: 'list-single', label: 'Most people in the room', position: 130,
        options: (limits, config) => [...new Set([...USER_LIMIT_CHOICES.filter((n) => n < limits.maxUsers), config.maxUsers, limits.maxUsers])]
          .sort((a, b) => a - b).map((n) => ({ label: String(n), value: String(n) })),
        get: (config) => String(config.maxUsers),
        set: (config, value, limits) => ({
          ...config,
          maxUsers: value === '' || value === 'none' ? limits.maxUsers : parseCount('maxusers', value, 1, limits.maxUsers),
        }),
      });
    });
  },
};
