/**
 * In-process cluster nodes for tests: each a whole Palaver (its own ports and data directory)
 * joined to the machine's Redis under a key prefix of the test's own. Fails loudly without Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './server.js';
import { REDIS_TEST_URL, clearPrefix, requireRedis, testClusterPrefix } from './redis.js';
import type { ConfigInput } from '../../server/config/load.js';

export interface TestCluster {
  prefix: string;
  nodes: TestServer[];
  /** What a node logged (JSON lines, at [log].level of the overrides; "warn" by default). */
  logOf(node: TestServer): string[];
  /** Starts one more node (a restart under a name, or a new one). */
  addNode(name: string): Promise<TestServer>;
  /**
   * Starts a node in a child process (built dist/ required), to be killed with SIGKILL.
   * friends: pairs of bare JIDs written to its roster storage as subscribed both ways.
   */
  spawnNode(name: string, options?: { dataDir?: string; friends?: [string, string][] }): Promise<NodeProcess>;
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
  const logs = new Map<TestServer, string[]>();
  const withLog = { ...overrides, log: { level: 'warn', ...(overrides.log as object | undefined) } } as ConfigInput;
  const addNode = async (name: string): Promise<TestServer> => {
    const lines: string[] = [];
    const node = await startTestServer(withLog, {
      logTo: { write: (line: string) => { lines.push(line); } },
      clusterKeyPrefix: prefix,
      adjustConfig: (config) => { config.cluster = { redis: REDIS_TEST_URL, node: name, workers: 1 }; },
    });
    nodes.push(node);
    logs.set(node, lines);
    return node;
  };
  for (const name of names) await addNode(name);
  const processes: NodeProcess[] = [];
  return {
    prefix,
    nodes,
    logOf: (node) => logs.get(node) ?? [],
    addNode,
    async spawnNode(name, options = {}) {
      const started = await spawnClusterNode(name, prefix, overrides, options.friends ?? [], options.dataDir);
      processes.push(started);
      return started;
    },
    async stop() {
      for (const child of processes) child.kill();
      await Promise.all(nodes.map((node) => node.stop().catch(() => {})));
      await clearPrefix(prefix);
    },
  };
}

export interface NodeProcess {
  child: ChildProcess;
  c2sPort: number;
  httpPort: number;
  member: string;
  dataDir: string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

const NODE_SCRIPT = path.join(import.meta.dirname, 'cluster-node.mjs');

async function spawnClusterNode(name: string, prefix: string, overrides: ConfigInput, friends: [string, string][], dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-node-'))): Promise<NodeProcess> {
  const input = {
    ...overrides,
    server: { ...(overrides.server as object | undefined), data_dir: dataDir },
    listen: { c2s: '127.0.0.1:0', http: '127.0.0.1:0' },
    tls: { require_encryption: false },
    log: { level: 'silent' },
  };
  const child = spawn(process.execPath, [NODE_SCRIPT], {
    env: { ...process.env, PALAVER_TEST_NODE: JSON.stringify({ input, dataDir, redis: REDIS_TEST_URL, node: name, prefix, friends }) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ c2s: number; http: number; member: string }>((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`cluster node ${name} did not start: ${stderr}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const line = /^READY (.*)$/m.exec(stderr);
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line[1]!) as { c2s: number; http: number; member: string });
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`cluster node ${name} exited (${code}): ${stderr}`)); });
  });
  return {
    child,
    c2sPort: ready.c2s,
    httpPort: ready.http,
    member: ready.member,
    dataDir,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
