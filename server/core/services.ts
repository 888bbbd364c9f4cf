import type { Host } from './host.js';

/**
 * A typed name for something one module provides and others use (the MUC service, the
 * rosters, the stream's extension points). The type parameter only exists for the compiler:
 * `services.get(MUC)` is a MucService without a cast.
 */
export interface ServiceKey<T> {
  readonly name: string;
  /** Never set: carries T so that keys of different services are different types. */
  readonly type?: T;
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name };
}

/**
 * The services of one running server. A service is either per server (provided once, from a
 * module's setup()) or per host (provided from load(), keyed by the host it serves, e.g. the
 * MUC service of each MUC domain). Nothing is shared between servers: two servers in one
 * process (tests) each have their own.
 */
export class Services {
  private readonly perServer = new Map<ServiceKey<unknown>, unknown>();
  private readonly perHost = new Map<ServiceKey<unknown>, Map<string, unknown>>();

  /** Provides the service, for the whole server or for one host. Providing a key twice is a bug. */
  provide<T>(key: ServiceKey<T>, service: T, host?: Host): void {
    if (host === undefined) {
      if (this.perServer.has(key)) throw new Error(`the service ${key.name} is provided twice`);
      this.perServer.set(key, service);
      return;
    }
    const byHost = this.perHost.get(key) ?? new Map<string, unknown>();
    if (byHost.has(host.name)) throw new Error(`the service ${key.name} is provided twice for ${host.name}`);
    byHost.set(host.name, service);
    this.perHost.set(key, byHost);
  }

  /** The service, which must have been provided: a module that needs it says so by calling this. */
  get<T>(key: ServiceKey<T>, host?: Host | string): T {
    const service = this.find(key, host);
    if (service === undefined) {
      const where = host === undefined ? '' : ` for ${typeof host === 'string' ? host : host.name}`;
      throw new Error(`no service ${key.name}${where}: the module that provides it is not loaded (or loads later)`);
    }
    return service;
  }

  /** The service, or undefined where nothing provides it (an optional dependency). */
  find<T>(key: ServiceKey<T>, host?: Host | string): T | undefined {
    if (host === undefined) return this.perServer.get(key) as T | undefined;
    return this.perHost.get(key)?.get(typeof host === 'string' ? host : host.name) as T | undefined;
  }
}
