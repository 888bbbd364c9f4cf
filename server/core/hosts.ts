import { Host, type HostKind } from './host.js';
import type { UserStorage } from '../storage/types.js';

/** The virtual hosts this server answers for. */
export class HostRegistry {
  private readonly hosts = new Map<string, Host>();

  add(name: string, kind: HostKind, users: UserStorage): Host {
    if (this.hosts.has(name)) throw new Error(`host ${name} defined twice`);
    const host = new Host(name, kind, users);
    this.hosts.set(name, host);
    return host;
  }

  get(name: string): Host | undefined {
    return this.hosts.get(name);
  }

  ofKind(kind: HostKind): Host[] {
    return [...this.hosts.values()].filter((host) => host.kind === kind);
  }

  all(): Host[] {
    return [...this.hosts.values()];
  }
}
