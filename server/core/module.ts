import type { Host, HostKind } from './host.js';
import type { ServerContext } from './context.js';

/**
 * A feature: one file that registers handlers, disco features and identities on the hosts
 * of the kinds it serves. It never edits the router. Options are read at the top of load().
 */
export interface PalaverModule {
  name: string;
  hostKinds: readonly HostKind[];
  /** Called once per matching host. May return a cleanup function for shutdown. */
  load(host: Host, server: ServerContext): void | (() => void);
}

export function defineModule(module: PalaverModule): PalaverModule {
  return module;
}
