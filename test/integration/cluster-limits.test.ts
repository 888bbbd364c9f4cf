/**
 * Per-address connection and sign-in limits across a cluster (access/cluster-*-limit.ts),
 * against the machine's Redis: two instances stand for two nodes sharing one key prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterConnectionLimit } from '../../server/access/cluster-connection-limit.js';
import { ClusterNetworkRate } from '../../server/access/cluster-network-rate.js';
import { createAccessControl, type Admission } from '../../server/access/control.js';
import { clearPrefix, REDIS_TEST_URL, requireRedis, testClusterPrefix } from '../helpers/redis.js';

const GUEST = '203.0.113.5';
const SAME_NETWORK_V6 = ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9'];
const secret = randomBytes(32);
const connections: Redis[] = [];
const prefixes: string[] = [];
const limits: ClusterConnectionLimit[] = [];

function cluster(prefix: string): { redis: Redis; prefix: string } {
  const redis = new Redis(REDIS_TEST_URL, { maxRetriesPerRequest: 1 });
  connections.push(redis);
  return { redis, prefix };
}

function newPrefix(): string {
  const prefix = testClusterPrefix();
  prefixes.push(prefix);
  return prefix;
}

async function connectionNodes(limit: number, staleAfterMs = 20_000): Promise<[ClusterConnectionLimit, ClusterConnectionLimit]> {
  const prefix = newPrefix();
  const nodes = ['a', 'b'].map((node) => new ClusterConnectionLimit({ cluster: cluster(prefix), node, secret, limit, staleAfterMs, heartbeatMs: Math.min(5_000, staleAfterMs / 4) }));
  for (const node of nodes) await node.start();
  limits.push(...nodes);
  return nodes as [ClusterConnectionLimit, ClusterConnectionLimit];
}

/** Admits on `node` and waits for Redis's answer; the admission or null. */
async function admitted(node: ClusterConnectionLimit, address = GUEST): Promise<Admission | null> {
  const admission = node.admit(address);
  await node.settled();
  return admission;
}

async function keysUnder(prefix: string): Promise<string[]> {
  return connections[0]!.keys(`${prefix}*`);
}

beforeAll(async () => {
  await requireRedis();
});

afterEach(async () => {
  for (const limit of limits.splice(0)) await limit.stop().catch(() => {});
});

afterAll(async () => {
  for (const prefix of prefixes) await clearPrefix(prefix);
  for (const redis of connections) redis.disconnect();
});

describe('connections per address across the cluster', () => {
  it('holds one limit over both nodes, to within one connection per other node', async () => {
    const [a, b] = await connectionNodes(3);
    expect(await admitted(a)).not.toBeNull();
    expect(await admitted(a)).not.toBeNull();
    expect(await admitted(b)).not.toBeNull(); // b knew nothing of the network; its answer says a holds two
    expect(await admitted(b)).toBeNull();
    expect(await admitted(a)).not.toBeNull(); // a has not heard of b's one yet: the one allowed overshoot
    expect(await admitted(a)).toBeNull();
    expect(await admitted(b)).toBeNull();
  });

  it('counts an IPv6 /64 as one network and keeps no address in Redis', async () => {
    const [a] = await connectionNodes(1);
    expect(await admitted(a, SAME_NETWORK_V6[0])).not.toBeNull();
    expect(await admitted(a, SAME_NETWORK_V6[1])).toBeNull();
    const keys = await keysUnder(prefixes.at(-1)!);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toMatch(/2001|db8|203\.0/);
  });

  it('stops counting a node that died once its heartbeat is stale', async () => {
    const [a, b] = await connectionNodes(2, 800);
    expect(await admitted(a)).not.toBeNull();
    expect(await admitted(a)).not.toBeNull();
    expect(await admitted(b)).not.toBeNull();
    expect(await admitted(b)).toBeNull();
    connections[connections.length - 2]!.disconnect(); // a's Redis connection: no more heartbeats
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await admitted(b)).toBeNull(); // refused on old news, which the refusal refreshes
    expect(await admitted(b)).not.toBeNull();
  });
});

describe('guest sign-ins per address across the cluster', () => {
  it('holds one limit per minute over both nodes, to within one sign-in per other node, and starts again the next minute', async () => {
    const prefix = newPrefix();
    let clock = 1_800_000_000_000;
    const [a, b] = ['a', 'b'].map(() => new ClusterNetworkRate({ cluster: cluster(prefix), name: 'logins', secret, limit: 3, now: () => clock }));
    const take = async (node: ClusterNetworkRate) => {
      const taken = node.take(GUEST);
      await node.settled();
      return taken;
    };
    expect([await take(a!), await take(a!)]).toEqual([true, true]);
    expect(await take(b!)).toBe(true); // b learns the total (3) with it
    expect(await take(b!)).toBe(false);
    expect(await take(a!)).toBe(true); // a still knew 2: the one allowed overshoot
    expect(await take(a!)).toBe(false);
    clock += 60_000;
    expect(await take(b!)).toBe(true);
    for (const key of await keysUnder(prefix)) expect(key).not.toContain(GUEST);
  });
});

/** A free loopback port (taken and given back at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** A Redis of this test's own, on loopback, without persistence: one the test can take away. */
async function ownRedis(): Promise<{ url: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  return { url, process: child };
}

describe('when Redis goes away', () => {
  it('guest sign-ins are still held to the limit on each node, counted by the node itself', async () => {
    const redisServer = await ownRedis();
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    redis.on('error', () => {});
    const errors: unknown[] = [];
    const guestLogins = new ClusterNetworkRate({ cluster: { redis, prefix: newPrefix() }, name: 'logins', secret, limit: 3, onError: (error) => errors.push(error) });
    const nickChecks = new ClusterNetworkRate({ cluster: { redis, prefix: newPrefix() }, name: 'nick-checks', secret, limit: 3 });
    const control = createAccessControl({ access: { allow: [], trusted_proxies: [], max_connections_per_address: 10, anonymous_logins_per_minute: 3, nick_checks_per_minute: 3 } });
    control.countAcrossCluster({ connections: { limit: 10, admit: () => ({ release() {} }) }, guestLogins, nickChecks });
    try {
      expect(control.takeAnonymousLogin(GUEST)).toBe(true);
      await guestLogins.settled();
      expect(errors).toEqual([]); // counted in Redis while it was there

      const exited = new Promise((resolve) => redisServer.process.once('exit', resolve));
      redisServer.process.kill('SIGKILL');
      await exited;
      expect([control.takeAnonymousLogin(GUEST), control.takeAnonymousLogin(GUEST)]).toEqual([true, true]);
      await guestLogins.settled();
      expect(errors.length).toBeGreaterThan(0); // the cluster's count could not grow...
      expect(guestLogins.take('198.51.100.1')).toBe(true); // ...and alone it would let anyone in
      expect(control.takeAnonymousLogin(GUEST)).toBe(false); // but the node's own count holds the limit
    } finally {
      redisServer.process.kill('SIGKILL');
      redis.disconnect();
    }
  });
});
