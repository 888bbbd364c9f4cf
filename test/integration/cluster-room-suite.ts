import { afterAll, afterEach, beforeAll } from 'vitest';
import { connectClient } from '../helpers/clients.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import type { ConfigInput } from '../../server/config/load.js';
import { guest, Inbox, MUC, type User } from './muc-helpers.js';

/** In-process cluster nodes on a fresh PostgreSQL database, with the users a test signs in on them. */
export interface RoomClusterSuite {
  readonly cluster: TestCluster;
  readonly nodes: TestServer[];
  /** An account holder on a node (the suite's config sets auth = "insecure": any password does). */
  account(node: Pick<TestServer, 'c2sPort'>, name: string, resource?: string): Promise<User>;
  guestOn(node: TestServer): Promise<User>;
  /** Nodes that serve the room right now (one, once it has been claimed). */
  servers(room: string): TestServer[];
}

/**
 * Registers the hooks that start the named nodes before the file's tests and stop them after,
 * signing out the users after each test (`signOut: 'each'`) or after all of them.
 */
export function roomClusterSuite(names: string[], overrides: ConfigInput, signOut: 'each' | 'all' = 'all'): RoomClusterSuite {
  let database: TestDatabase | undefined;
  let cluster: TestCluster | undefined;
  const users: User[] = [];
  const signOutAll = () => Promise.all(users.splice(0).map((user) => user.client.stop().catch(() => {})));

  beforeAll(async () => {
    database = await createTestDatabase();
    cluster = await startTestCluster(names, { ...overrides, storage: { backend: 'postgres', url: database.url } });
  }, 60_000);
  if (signOut === 'each') afterEach(signOutAll);
  afterAll(async () => {
    await signOutAll();
    await cluster?.stop();
    await database?.drop();
  });

  const started = (): TestCluster => {
    if (!cluster) throw new Error('the cluster has not started');
    return cluster;
  };
  return {
    get cluster() { return started(); },
    get nodes() { return started().nodes; },
    async account(node, name, resource = 'r') {
      const client = await connectClient({ port: node.c2sPort, username: name, password: 'password', resource });
      client.reconnect.stop();
      const jid = client.jid!.toString();
      const user = { client, inbox: new Inbox(client), jid, bare: jid.split('/')[0]! };
      users.push(user);
      return user;
    },
    async guestOn(node) {
      const user = await guest(node);
      users.push(user);
      return user;
    },
    servers: (room) => started().nodes.filter((node) => node.server.cluster?.serves(MUC, room)),
  };
}
