/**
 * [access] limits over a cluster: two in-process nodes on the machine's Redis and one
 * PostgreSQL database (the key that hashes client networks is a shared server secret), real
 * TCP clients from 127.0.0.1. A limit of N is reached with connections or guest sign-ins
 * spread over both nodes; a node that had not heard of the other's latest may admit one more
 * (access/cluster-connection-limit.ts), never more than that.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type XmppClient } from '../helpers/clients.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { scramAttempt } from '../helpers/raw-xmpp.js';

const LIMIT = 3;
let database: TestDatabase;
let cluster: TestCluster;
let a: TestServer;
let b: TestServer;
const sockets: net.Socket[] = [];
const clients: XmppClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await startTestCluster(['limits-a', 'limits-b'], {
    storage: { backend: 'postgres', url: database.url },
    access: { max_connections_per_address: LIMIT, anonymous_logins_per_minute: LIMIT },
    limits: { sasl_failures_per_minute: LIMIT, sasl_failures_per_account_per_minute: 2 * LIMIT },
  });
  [a, b] = cluster.nodes as [TestServer, TestServer];
}, 30_000);

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(clients.splice(0).map((client) => client.stop().catch(() => {})));
  // Every node has released its count in Redis before the next test counts again.
  for (const node of cluster.nodes) await expect.poll(() => node.server.context.sessions.count, { timeout: 5_000 }).toBe(0);
  await new Promise((resolve) => setTimeout(resolve, 300));
});

afterAll(async () => {
  await cluster?.stop();
  await database?.drop();
});

/** Opens a TCP connection and keeps it: true when the server answers the stream header, false when it closes at once. */
function openConnection(node: TestServer): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(node.c2sPort, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => resolve(false));
    socket.once('close', () => resolve(false));
    socket.on('connect', () => socket.write("<?xml version='1.0'?><stream:stream to='anon.localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"));
    socket.once('data', () => resolve(true));
    setTimeout(() => reject(new Error('neither closed nor answered')), 5_000).unref();
  });
}

/** A guest sign-in on the node: true when it worked, false on temporary-auth-failure. */
async function guestSignIn(node: TestServer): Promise<boolean> {
  try {
    clients.push(await connectClient({ port: node.c2sPort }));
    return true;
  } catch (error) {
    if (/temporary-auth-failure/.test(String(error))) return false;
    throw error;
  }
}

/**
 * The cluster counts sign-ins in fixed one-minute windows (Redis's keys per minute): a test
 * that would straddle two windows waits for the next one to start.
 */
async function withinOneWindow(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Round trips to Redis are answered before the next attempt (the limits learn the others' counts from them). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

async function attempts(sequence: TestServer[], attempt: (node: TestServer) => Promise<boolean>): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const node of sequence) {
    results.push(await attempt(node));
    await settle();
  }
  return results;
}

describe('cluster-wide per-address limits', () => {
  it('connections from one address are counted over both nodes', async () => {
    const results = await attempts([a, a, b, b, a, a, b], openConnection);
    expect(results.slice(0, 4)).toEqual([true, true, true, false]); // b learnt of a's two with its first
    const admitted = results.filter(Boolean).length;
    expect(admitted).toBeGreaterThanOrEqual(LIMIT);
    expect(admitted).toBeLessThanOrEqual(LIMIT + 1); // a admits at most one before it hears of b's
    expect(results.slice(-2)).toEqual([false, false]);
  });

  it('a connection that closes frees its place on the other node', async () => {
    expect(await attempts([a, a, b], openConnection)).toEqual([true, true, true]);
    sockets[0]!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300)); // a hears the close and tells Redis
    expect(await attempts([b, b], openConnection)).toEqual([false, true]); // the refusal fetches the fresh count
  });

  it('guest sign-ins per minute from one address are counted over both nodes', { timeout: 30_000 }, async () => {
    // Connections are within their limit: each guest is stopped before the next signs in.
    const signInAndLeave = async (node: TestServer): Promise<boolean> => {
      const done = await guestSignIn(node);
      await Promise.all(clients.splice(0).map((client) => client.stop()));
      return done;
    };
    await withinOneWindow();
    const results = await attempts([a, a, b, b, a, a, b], signInAndLeave);
    expect(results.slice(0, 4)).toEqual([true, true, true, false]);
    const admitted = results.filter(Boolean).length;
    expect(admitted).toBeLessThanOrEqual(LIMIT + 1);
    expect(results.slice(-2)).toEqual([false, false]);
  });

  it('failed password sign-ins are counted over both nodes, per address and per account', { timeout: 30_000 }, async () => {
    // True while the password is checked (and wrong), false once the node refuses to check it.
    const guess = (localAddress: string) => async (node: TestServer): Promise<boolean> => {
      const outcome = await scramAttempt({ port: node.c2sPort, localAddress }, 'nobody', 'wrong');
      if (outcome.failure !== 'not-authorized' && outcome.failure !== 'temporary-auth-failure') throw new Error(`unexpected ${JSON.stringify(outcome)}`);
      return outcome.failure === 'not-authorized';
    };
    await withinOneWindow();
    const fromOne = await attempts([a, a, b, b, a, a, b], guess('127.0.0.41'));
    expect(fromOne.slice(0, 4)).toEqual([true, true, true, false]);
    expect(fromOne.filter(Boolean).length).toBeLessThanOrEqual(LIMIT + 1);
    expect(fromOne.slice(-2)).toEqual([false, false]);
    // The same account from other addresses: its own limit (2 × LIMIT) over the cluster, whatever the address.
    const fromMany = await attempts([b, a, b, a], guess('127.0.0.42'));
    const checked = fromOne.filter(Boolean).length + fromMany.filter(Boolean).length;
    expect(checked).toBeLessThanOrEqual(2 * LIMIT + 1);
    expect(await guess('127.0.0.43')(a)).toBe(false);
    expect(await guess('127.0.0.44')(b)).toBe(false);
  });
});
