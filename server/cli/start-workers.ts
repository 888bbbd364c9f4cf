/**
 * The two sides of `palaver start` with several workers.
 *
 * The primary makes the generated certificate once (so workers never race to write
 * data_dir/tls/), supervises the workers (startup/worker-supervisor.ts) and turns SIGTERM
 * or SIGINT into a stop of them all: exit 0 when every worker stopped within 10 s, 1 when
 * some had to be killed. When a worker cannot start, the primary exits with that worker's
 * message and exit code. A worker runs one server under its own node name and reports to
 * the primary whether it started.
 */
import type { Config } from '../config/types.js';
import { createLogger } from '../log.js';
import { loadOrCreateCertificate } from '../tls/certificate.js';
import { superviseWorkers, WorkerStartupError } from '../startup/worker-supervisor.js';
import { forkWorker, reportToPrimary } from '../startup/workers.js';
import { CliError, EXIT_RUNTIME } from './errors.js';
import { runInForeground, SHUTDOWN_TIMEOUT_MS, SIGNAL_EXIT, startupError } from './foreground.js';

export async function startPrimary(config: Config, count: number): Promise<void> {
  const log = createLogger(config).child({ role: 'primary', pid: process.pid });
  try {
    await loadOrCreateCertificate(config);
  } catch (err) {
    throw startupError(err);
  }
  const supervisor = superviseWorkers({ count, log, stopTimeoutMs: SHUTDOWN_TIMEOUT_MS, startWorker: (index) => forkWorker(config, index) });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      process.stderr.write(`palaver: ${signal} again, killing the workers without waiting\n`);
      supervisor.kill();
      process.exit(SIGNAL_EXIT[signal] ?? EXIT_RUNTIME);
    }
    signalled = true;
    process.stderr.write(`palaver: ${signal} received, stopping ${count} workers (send it again to kill them at once)\n`);
    void supervisor.stop().then((inTime) => {
      if (!inTime) process.stderr.write(`palaver: workers did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s; killed them\n`);
      process.exit(inTime ? 0 : EXIT_RUNTIME);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await supervisor.started;
  } catch (err) {
    if (err instanceof WorkerStartupError) throw new CliError(err.message, err.exitCode);
    throw err;
  }
}

export async function startWorker(config: Config, worker: { index: number; node: string }): Promise<void> {
  const workerConfig: Config = { ...config, cluster: { ...config.cluster, node: worker.node } };
  const log = createLogger(workerConfig).child({ node: worker.node, pid: process.pid });
  // A terminal's Ctrl-C reaches the whole process group; the primary answers it with SIGTERM.
  process.on('SIGINT', () => {});
  try {
    await runInForeground(workerConfig, {
      pidFile: false,
      log,
      signals: ['SIGTERM'],
      label: `palaver worker ${worker.index}`,
      onStarted(server) {
        // Which worker took a session: what an admin checking the balance looks for.
        server.context.events.on('session-bound', (session) => log.debug({ transport: session.transportKind }, 'session bound'));
        void reportToPrimary({ palaverWorker: 'ready' });
      },
    });
  } catch (err) {
    const failure = startupError(err);
    await reportToPrimary({ palaverWorker: 'failed', message: failure.message, exitCode: failure.exitCode });
    process.exit(failure.exitCode);
  }
}
