import type { Config } from '../config/types.js';
import type { Storage } from '../storage/types.js';
import type { Logger } from '../log.js';
import type { HostRegistry } from './hosts.js';
import type { SessionRegistry } from './sessions.js';
import type { Router } from './router.js';
import type { ServerEvents } from './events.js';
import type { Services } from './services.js';

/**
 * Everything a feature module may use. Passed to each module at setup and load. What only
 * the listeners and the stream use (access control, the SASL throttle, the stream's
 * extension points) is not here: the start-up code hands those to the listeners, and a
 * module that extends the stream finds the extension points among the services.
 */
export interface ServerContext {
  config: Config;
  /** Persistence: accounts, rosters, user data, rooms, the room archive, upload records. */
  storage: Storage;
  hosts: HostRegistry;
  sessions: SessionRegistry;
  router: Router;
  events: ServerEvents;
  log: Logger;
  /** What modules provide to one another (core/module.ts). */
  services: Services;
  /** The clock, injectable so expiry can be tested. Milliseconds since the epoch. */
  now: () => number;
}
