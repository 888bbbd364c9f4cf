/**
 * In-process cluster nodes for tests: each a whole Palaver (its own ports and data directory)
 * joined to the machine's Redis under a key prefix of the test's own. Fails loudly without Redis.
 */
import { startTestServer, type TestServer } from './server.js';
import { REDIS_TEST_URL, clearPrefix, requireRedis, testClusterPrefix } from './redis.js';
import type { ConfigInput } from '../../server/config/load.js';

export interface TestCluster {
  prefix: string;
  nodes: TestServer[];
  /** Starts one more node (a restart under a name, or a new one). */
  addNode(name: string): Promise<TestServer>;
  stop(): Promise<void>;
}

/**
 * The config check refuses [cluster].redis with SQLite (a cluster keeps its data in
 * PostgreSQL), so the cluster is set on the parsed config: each node has its own SQLite.
 */
export async function startTestCluster(names: string[], overrides: ConfigInput = {}): Promise<TestCluster> {
  await requireRedis();
  const prefix = testClusterPrefix();
  const nodes: TestServer[] = [];
  const addNode = async (name: string): Promise<TestServer> => {
    const node = await startTestServer(overrides, {
      clusterKeyPrefix: prefix,
      adjustConfig: (config) => { config.cluster = { redis: REDIS_TEST_URL, node: name, workers: 1 }; },
    });
    nodes.push(node);
    return node;
  };
  for (const name of names) await addNode(name);
  return {
    prefix,
    nodes,
    addNode,
    async stop() {
      await Promise.all(nodes.map((node) => node.stop().catch(() => {})));
      await clearPrefix(prefix);
    },
  };
}
