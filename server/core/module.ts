import type { Host, HostKind } from './host.js';
import type { ServerContext } from './context.js';

/**
 * A feature: one file that registers handlers, disco features and identities on the hosts
 * of the kinds it serves. It never edits the router. Options are read at the top of load().
 *
 * Modules share state through services (core/services.ts), never through module-level
 * registries:
 * - setup(server) runs once per server, before any load(), when the server has at least one
 *   host of the module's kinds. It provides per-server services
 *   (`server.services.provide(ROSTERS, rosters)`) and registers server-wide things (stream
 *   features, event listeners that must run once).
 * - load(host, server) runs once per matching host. It provides per-host services keyed by
 *   the host (`server.services.provide(MUC, service, host)`), read back with
 *   `server.services.get(MUC, host)` (or by the host's name, for code that only knows the
 *   domain, such as the landing page).
 * - A module that needs another's service calls `server.services.get(KEY)`, which throws a
 *   clear error when nothing provides it. Modules set up and load in MODULES order, so a
 *   provider comes before its users (every setup() runs before the first load()).
 */
export interface PalaverModule {
  name: string;
  hostKinds: readonly HostKind[];
  /** Called once per server before any load(). May return a cleanup function for shutdown. */
  setup?(server: ServerContext): void | (() => void);
  /** Called once per matching host. May return a cleanup function for shutdown. */
  load?(host: Host, server: ServerContext): void | (() => void);
}

export function defineModule(module: PalaverModule): PalaverModule {
  return module;
}

/**
 * Sets up and loads every module on the hosts of its kinds, in order; returns the cleanups,
 * in the same order, for shutdown.
 */
export function loadModules(modules: readonly PalaverModule[], server: ServerContext): (() => void)[] {
  const cleanups: (() => void)[] = [];
  const hostsOf = (module: PalaverModule): Host[] => server.hosts.all().filter((host) => module.hostKinds.includes(host.kind));
  for (const module of modules) {
    if (!module.setup || hostsOf(module).length === 0) continue;
    const cleanup = module.setup(server);
    if (cleanup) cleanups.push(cleanup);
  }
  for (const module of modules) {
    for (const host of hostsOf(module)) {
      const cleanup = module.load?.(host, server);
      if (cleanup) cleanups.push(cleanup);
    }
  }
  return cleanups;
}
