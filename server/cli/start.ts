/**
 * `palaver start`: one server process, or with `[cluster].workers` above one, a primary
 * that keeps that many worker processes running (each worker comes back here as a cluster
 * worker and runs one server).
 */
import type { Config } from '../config/types.js';
import { workerCount, workerIdentity } from '../startup/workers.js';
import { runInForeground } from './foreground.js';
import { startPrimary, startWorker } from './start-workers.js';

export async function startCommand(config: Config): Promise<void> {
  const worker = workerIdentity();
  if (worker) return startWorker(config, worker);
  const workers = workerCount(config.cluster.workers);
  if (workers > 1) return startPrimary(config, workers);
  return runInForeground(config);
}
