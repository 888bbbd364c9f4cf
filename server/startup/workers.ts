/**
 * `[cluster].workers` on Node's cluster module: the primary forks each worker with the same
 * command line (`palaver start --config FILE`), and the workers' listeners share the
 * primary's sockets (the primary accepts and hands connections round-robin). A worker learns
 * its index and node name from its environment.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import type { Config } from '../config/types.js';
import type { WorkerProcess, WorkerReport } from './worker-supervisor.js';

const INDEX_VARIABLE = 'PALAVER_WORKER_INDEX';
const NODE_VARIABLE = 'PALAVER_WORKER_NODE';
/** [cluster].node's limit (config/schema.ts). */
const NODE_NAME_MAX = 64;

/** How many processes `[cluster].workers` asks for on this machine. */
export function workerCount(setting: Config['cluster']['workers']): number {
  return setting === 'auto' ? os.availableParallelism() : setting;
}

/**
 * A worker's name in the cluster: `[cluster].node`, or the host name and the primary's pid,
 * then `-` and the worker's index. A restarted worker takes its predecessor's name, so the
 * cluster can tell that the old one is gone.
 */
export function workerNodeName(config: Config, index: number, primaryPid = process.pid, hostname = os.hostname()): string {
  const suffix = `-${index}`;
  const base = config.cluster.node !== '' ? config.cluster.node : `${hostname.replace(/[^A-Za-z0-9.-]/g, '-')}-${primaryPid}`;
  return base.slice(0, NODE_NAME_MAX - suffix.length) + suffix;
}

/** Forks worker `index` (1-based) as a cluster worker of this process. */
export function forkWorker(config: Config, index: number): WorkerProcess {
  const worker = cluster.fork({ [INDEX_VARIABLE]: String(index), [NODE_VARIABLE]: workerNodeName(config, index) });
  return worker.process;
}

/** In a cluster worker: its index and node name; null in any other process. */
export function workerIdentity(): { index: number; node: string } | null {
  if (!cluster.isWorker) return null;
  const index = Number(process.env[INDEX_VARIABLE]);
  const node = process.env[NODE_VARIABLE];
  if (!Number.isInteger(index) || index < 1 || node === undefined || node === '') {
    throw new Error(`a cluster worker needs ${INDEX_VARIABLE} and ${NODE_VARIABLE} from its primary`);
  }
  return { index, node };
}

/** Sends the worker's report to its primary; resolves once it is on its way. */
export function reportToPrimary(report: WorkerReport): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      resolve();
      return;
    }
    process.send(report, undefined, {}, () => resolve());
  });
}
