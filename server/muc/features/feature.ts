import type { Config } from '../../config/types.js';
import type { MucService } from '../service.js';
import type { RoomConfig } from '../types.js';

/**
 * A room feature: what it adds to the room configuration (its keys' defaults and how a
 * stored configuration is read back), and the room events it hooks (install).
 */
export interface RoomFeature {
  readonly name: string;
  /** The defaults of the configuration keys this feature owns. */
  defaults?(policy: Config['muc']): Partial<RoomConfig>;
  /** This feature's keys of a stored configuration; a missing or mistyped value takes its default. */
  readStored?(stored: Readonly<Record<string, unknown>>, defaults: RoomConfig): Partial<RoomConfig>;
  /** Hooks the service's room events; runs once per MUC host, after the stored rooms are loaded. */
  install?(service: MucService): void;
}
