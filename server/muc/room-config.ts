import type { Config } from '../config/types.js';
import type { RoomFeature } from './features/feature.js';
import { LIMITS } from './limits.js';
import type { AllowPm, CoreRoomConfig, RoomConfig, Whois } from './types.js';

/** A new room's configuration: instant, temporary, public, open, unmoderated, semi-anonymous. */
export function defaultRoomConfig(config: Config['muc'], features: readonly RoomFeature[]): RoomConfig {
  // The core's keys here, the features' from them: together every key of RoomConfig.
  const core: CoreRoomConfig = {
    name: '',
    description: '',
    persistent: false,
    public: true,
    membersOnly: false,
    moderated: false,
    password: '',
    whois: 'moderators',
    allowPm: 'anyone',
    changeSubject: false,
    allowInvites: false,
    maxUsers: config.max_occupants,
    historyLength: Math.min(config.history_length, maxHistoryLength(config)),
  };
  return Object.assign(core, ...features.map((feature) => feature.defaults?.(config) ?? {})) as RoomConfig;
}

/** The longest history a room may be configured with. */
export function maxHistoryLength(config: Config['muc']): number {
  return Math.max(LIMITS.historyLength, config.history_length);
}

/**
 * A stored configuration, read defensively: a field that is missing or of the wrong type
 * (a database from an older release, a hand edit) takes its default.
 */
export function parseStoredConfig(json: string, defaults: RoomConfig, features: readonly RoomFeature[]): RoomConfig {
  let stored: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === 'object' && value !== null) stored = value as Record<string, unknown>;
  } catch {
    // keep the defaults
  }
  const pick = <K extends keyof RoomConfig>(key: K, valid: (value: unknown) => boolean): RoomConfig[K] =>
    (valid(stored[key]) ? stored[key] : defaults[key]) as RoomConfig[K];
  const isString = (value: unknown) => typeof value === 'string';
  const isBoolean = (value: unknown) => typeof value === 'boolean';
  const isCount = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
  const core: CoreRoomConfig = {
    name: pick('name', isString),
    description: pick('description', isString),
    persistent: pick('persistent', isBoolean),
    public: pick('public', isBoolean),
    membersOnly: pick('membersOnly', isBoolean),
    moderated: pick('moderated', isBoolean),
    password: pick('password', isString),
    whois: pick('whois', (value) => isWhois(value)),
    allowPm: pick('allowPm', (value) => isAllowPm(value)),
    changeSubject: pick('changeSubject', isBoolean),
    allowInvites: pick('allowInvites', isBoolean),
    maxUsers: pick('maxUsers', isCount),
    historyLength: pick('historyLength', isCount),
  };
  return Object.assign(core, ...features.map((feature) => feature.readStored?.(stored, defaults) ?? {})) as RoomConfig;
}

export function isWhois(value: unknown): value is Whois {
  return value === 'moderators' || value === 'anyone';
}

export function isAllowPm(value: unknown): value is AllowPm {
  return value === 'anyone' || value === 'participants' || value === 'moderators' || value === 'none';
}
