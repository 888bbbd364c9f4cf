import type { Config } from '../config/types.js';
import type { RoomFeature } from './features/feature.js';
import { LIMITS } from './limits.js';
import type { CoreRoomConfig, RoomConfig } from './types.js';

/** A new room's configuration: instant, temporary, public, open, unmoderated, semi-anonymous. */
export function defaultRoomConfig(config: Config['muc'], features: readonly RoomFeature[]): RoomConfig {
  // The core's keys here, the features' from them: together every key of RoomConfig.
  const core: CoreRoomConfig = {
    persistent: false,
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
  const core: CoreRoomConfig = storedOr(stored, defaults, 'persistent', isBoolean);
  return Object.assign(core, ...features.map((feature) => feature.readStored?.(stored, defaults) ?? {})) as RoomConfig;
}

/** One key of a stored configuration, or its default when it is missing or fails `valid`. */
export function storedOr<K extends keyof RoomConfig>(
  stored: Readonly<Record<string, unknown>>, defaults: RoomConfig, key: K, valid: (value: unknown) => boolean,
): Pick<RoomConfig, K> {
  return { [key]: valid(stored[key]) ? stored[key] : defaults[key] } as Pick<RoomConfig, K>;
}

export const isString = (value: unknown): value is string => typeof value === 'string';
export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';
export const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;
