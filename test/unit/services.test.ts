/** Module services (core/services.ts) and the module life cycle (core/module.ts). */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Services, serviceKey } from '../../server/core/services.js';
import { defineModule, loadModules } from '../../server/core/module.js';
import { HostRegistry } from '../../server/core/hosts.js';
import type { ServerContext } from '../../server/core/context.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';

interface Counter { count: number }
const COUNTER = serviceKey<Counter>('counter');

describe('services', () => {
  it('gives back what was provided, per server and per host', () => {
    const services = new Services();
    const hosts = new HostRegistry();
    const storage = createMemoryStorage();
    const a = hosts.add('a.example.org', 'muc', storage);
    const b = hosts.add('b.example.org', 'muc', storage);
    const server = { count: 0 };
    const forA = { count: 1 };
    const forB = { count: 2 };
    services.provide(COUNTER, server);
    services.provide(COUNTER, forA, a);
    services.provide(COUNTER, forB, b);
    expect(services.get(COUNTER)).toBe(server);
    expect(services.get(COUNTER, a)).toBe(forA);
    expect(services.get(COUNTER, 'b.example.org')).toBe(forB);
    expect(services.find(COUNTER, 'c.example.org')).toBeUndefined();
  });

  it('says which service is missing, and where', () => {
    const services = new Services();
    expect(() => services.get(COUNTER)).toThrow(/no service counter: the module that provides it is not loaded/);
    expect(() => services.get(COUNTER, 'conference.example.org')).toThrow(/no service counter for conference\.example\.org/);
  });

  it('refuses a second provider of the same service', () => {
    const services = new Services();
    services.provide(COUNTER, { count: 0 });
    expect(() => services.provide(COUNTER, { count: 1 })).toThrow(/provided twice/);
  });
});

describe('loading modules', () => {
  function serverWith(kinds: ('account' | 'anonymous' | 'muc')[]): ServerContext {
    const hosts = new HostRegistry();
    const storage = createMemoryStorage();
    kinds.forEach((kind, i) => hosts.add(`h${i}.example.org`, kind, storage));
    return { hosts, storage, services: new Services(), log: pino({ level: 'silent' }) } as unknown as ServerContext;
  }

  it('sets every module up once before loading any of them per host, in order', () => {
    const calls: string[] = [];
    const provider = defineModule({
      name: 'provider',
      hostKinds: ['account', 'anonymous'],
      setup(server) {
        calls.push('provider setup');
        server.services.provide(COUNTER, { count: 0 });
      },
      load(host, server) {
        server.services.get(COUNTER).count++;
        calls.push(`provider load ${host.name}`);
      },
    });
    const user = defineModule({
      name: 'user',
      hostKinds: ['account'],
      setup: () => void calls.push('user setup'),
      load: (host, server) => void calls.push(`user load ${host.name} sees ${server.services.get(COUNTER).count}`),
    });
    const server = serverWith(['account', 'anonymous']);
    loadModules([provider, user], server);
    expect(calls).toEqual([
      'provider setup', 'user setup',
      'provider load h0.example.org', 'provider load h1.example.org',
      'user load h0.example.org sees 2',
    ]);
  });

  it('skips the setup of a module that serves none of the hosts, and collects cleanups', () => {
    const calls: string[] = [];
    const muc = defineModule({
      name: 'muc-only',
      hostKinds: ['muc'],
      setup: () => {
        calls.push('setup');
        return () => calls.push('cleanup');
      },
    });
    expect(loadModules([muc], serverWith(['account']))).toEqual([]);
    const cleanups = loadModules([muc], serverWith(['muc']));
    cleanups.forEach((cleanup) => cleanup());
    expect(calls).toEqual(['setup', 'cleanup']);
  });
});
