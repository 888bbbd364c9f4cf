import type { Config } from '../config/types.js';
import type { Storage } from '../storage/types.js';
import type { Database } from '../storage/sqlite/database.js';
import type { Logger } from '../log.js';
import type { HostRegistry } from './hosts.js';
import type { SessionRegistry } from './sessions.js';
import type { Router } from './router.js';
import type { ServerEvents } from './events.js';
import type { StreamExtensions } from '../stream/extensions.js';
import type { AuthThrottle } from '../sasl/auth-throttle.js';
import type { AccessControl } from '../access/control.js';

/** Everything a feature module may use. Passed to each module at load. */
export interface ServerContext {
  config: Config;
  storage: Storage;
  /**
   * The SQLite handle, from which a feature builds its own store (server/storage/sqlite/<feature>.ts,
   * behind an interface in server/storage/<feature>.ts) with its migration in migrations/index.ts.
   */
  database: Database;
  hosts: HostRegistry;
  sessions: SessionRegistry;
  router: Router;
  events: ServerEvents;
  log: Logger;
  streamExtensions: StreamExtensions;
  /** SASL failures per client address and per account. */
  authThrottle: AuthThrottle;
  /** [access]: allowlist, trusted proxies, per-address connection and guest sign-in limits. */
  access: AccessControl;
  /** The clock, injectable so expiry can be tested. Milliseconds since the epoch. */
  now: () => number;
}
