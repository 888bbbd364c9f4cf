import { parseCount } from '../config-form.js';
import { isCount, maxHistoryLength, storedOr } from '../room-config.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Messages sent to a joiner by default (history.ts; a joiner may ask for fewer). */
    historyLength: number;
  }
}

/** muc#roomconfig_historylength: how much history joiners get, up to the longest the server keeps. */
export const historyLength: RoomFeature = {
  name: 'history-length',
  defaults: (policy) => ({ historyLength: Math.min(policy.history_length, maxHistoryLength(policy)) }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'historyLength', isCount),
  install({ events }) {
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_historylength', type: 'text-single', label: 'Messages shown to people who enter', position: 140,
        get: (config) => String(config.historyLength),
        set: (config, value, limits) => ({ ...config, historyLength: parseCount('historylength', value, 0, limits.maxHistoryLength) }),
      });
    });
  },
};
