/**
 * The primary's job when `[cluster].workers` asks for several processes: keep N workers
 * running, whatever one worker process is (Node's cluster fork in production, any child
 * process with an IPC channel in tests).
 *
 * - Start: worker 1 alone, then the others together once it is ready, so that what a first
 *   start creates in shared storage (schema migrations, server secrets) is created once.
 *   A worker that fails to start during this phase stops the others and fails the start.
 * - Restart: a worker that dies later is started again after a back-off that doubles with
 *   each crash in a row (a crash loop must not spin) and starts over once a worker has run
 *   for a while.
 * - Stop: SIGTERM to every worker, SIGKILL to those still running after the stop timeout.
 *
 * A worker tells its primary how its start went with one IPC message (WorkerReport).
 */
import type { Logger } from '../log.js';

/** What the supervisor needs of a worker process (a ChildProcess forked with IPC fits). */
export interface WorkerProcess {
  readonly pid?: number | undefined;
  kill(signal: NodeJS.Signals): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The one message a worker sends its primary: it is serving, or it could not start. */
export type WorkerReport =
  | { palaverWorker: 'ready' }
  | { palaverWorker: 'failed'; message: string; exitCode: number };

export function isWorkerReport(message: unknown): message is WorkerReport {
  if (typeof message !== 'object' || message === null) return false;
  const report = message as Partial<Record<string, unknown>>;
  if (report.palaverWorker === 'ready') return true;
  return report.palaverWorker === 'failed' && typeof report.message === 'string' && typeof report.exitCode === 'number';
}

/** A worker could not start while the cluster was starting; the message is the worker's own. */
export class WorkerStartupError extends Error {
  override name = 'WorkerStartupError';
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export interface SupervisorOptions {
  count: number;
  /** Starts worker `index` (1-based) and returns its process. */
  startWorker(index: number): WorkerProcess;
  log: Logger;
  /** Delay before the first restart after a crash; doubles with every crash in a row. Default 1 s. */
  restartDelayMs?: number;
  /** Ceiling of the restart delay. Default 30 s. */
  maxRestartDelayMs?: number;
  /** A worker that ran at least this long before dying is restarted after restartDelayMs again. Default 60 s. */
  stableAfterMs?: number;
  /** How long stop() waits for the workers before SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
  now?: () => number;
}

export interface Supervisor {
  /**
   * Resolves once every worker reported ready (or a stop began first); rejects with
   * WorkerStartupError when one could not start, after the others have exited.
   */
  readonly started: Promise<void>;
  /** Stops every worker; resolves true when all exited within the stop timeout, false when some had to be killed. */
  stop(): Promise<boolean>;
  /** SIGKILL to every worker at once. */
  kill(): void;
  /** The pids of the workers now running, by worker index. */
  pids(): Map<number, number>;
}

interface Slot {
  readonly index: number;
  process: WorkerProcess | null;
  startedAt: number;
  ready: boolean;
  /** What the worker reported when it could not start. */
  failure: { message: string; exitCode: number } | null;
  /** Crashes in a row, for the back-off. */
  crashes: number;
  restartTimer: NodeJS.Timeout | null;
}

export function superviseWorkers(options: SupervisorOptions): Supervisor {
  const { count, log } = options;
  const restartDelayMs = options.restartDelayMs ?? 1_000;
  const maxRestartDelayMs = options.maxRestartDelayMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;

  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1, process: null, startedAt: 0, ready: false, failure: null, crashes: 0, restartTimer: null,
  }));
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let startupFailure: WorkerStartupError | null = null;
  let settleStarted!: { resolve(): void; reject(error: Error): void };
  const started = new Promise<void>((resolve, reject) => { settleStarted = { resolve, reject }; });
  let whenAllExited: (() => void) | null = null;

  const live = (): Slot[] => slots.filter((slot) => slot.process !== null);

  function launch(slot: Slot): void {
    slot.ready = false;
    slot.failure = null;
    slot.startedAt = now();
    const child = options.startWorker(slot.index);
    slot.process = child;
    log.info({ worker: slot.index, workerPid: child.pid }, 'worker started');
    child.on('message', (message) => {
      if (!isWorkerReport(message) || slot.process !== child) return;
      if (message.palaverWorker === 'failed') {
        slot.failure = { message: message.message, exitCode: message.exitCode };
        return;
      }
      slot.ready = true;
      log.info({ worker: slot.index, workerPid: child.pid }, 'worker ready');
      onReady();
    });
    child.on('error', (error) => log.error({ err: error, worker: slot.index, workerPid: child.pid }, 'worker process error'));
    child.on('exit', (code, signal) => {
      if (slot.process !== child) return;
      slot.process = null;
      onExit(slot, child.pid, code, signal);
    });
  }

  function onReady(): void {
    if (phase !== 'starting') return;
    const first = slots[0]!;
    if (first.ready && slots.slice(1).every((slot) => slot.process === null && !slot.ready)) {
      for (const slot of slots.slice(1)) launch(slot);
    }
    if (slots.every((slot) => slot.ready)) {
      phase = 'running';
      log.info({ workers: count }, 'every worker is ready');
      settleStarted.resolve();
    }
  }

  function onExit(slot: Slot, pid: number | undefined, code: number | null, signal: NodeJS.Signals | null): void {
    const how = { worker: slot.index, workerPid: pid, code, signal };
    if (phase === 'stopping') {
      log.info(how, 'worker stopped');
      if (live().length === 0) whenAllExited?.();
      return;
    }
    if (phase === 'starting') {
      const reason = slot.failure?.message ?? `worker ${slot.index} exited while starting (${signal ?? `exit code ${code}`})`;
      startupFailure = new WorkerStartupError(reason, slot.failure?.exitCode ?? 1);
      log.error({ ...how, reason }, 'a worker could not start; stopping the others');
      void stop().then(() => settleStarted.reject(startupFailure!));
      return;
    }
    if (now() - slot.startedAt >= stableAfterMs) slot.crashes = 0;
    const delay = Math.min(maxRestartDelayMs, restartDelayMs * 2 ** slot.crashes);
    slot.crashes++;
    log.error({ ...how, failure: slot.failure?.message, restartInMs: delay }, 'worker died; restarting it');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = null;
      if (phase === 'running') launch(slot);
    }, delay);
  }

  let stopping: Promise<boolean> | null = null;
  function stop(): Promise<boolean> {
    stopping ??= new Promise<boolean>((resolve) => {
      const wasStarting = phase === 'starting';
      phase = 'stopping';
      for (const slot of slots) {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        slot.restartTimer = null;
      }
      if (wasStarting && startupFailure === null) settleStarted.resolve();
      if (live().length === 0) {
        resolve(true);
        return;
      }
      const deadline = setTimeout(() => {
        log.error({ workers: live().map((slot) => slot.index) }, `workers still running after ${stopTimeoutMs} ms; killing them`);
        whenAllExited = () => resolve(false);
        kill();
      }, stopTimeoutMs);
      whenAllExited = () => {
        clearTimeout(deadline);
        resolve(true);
      };
      for (const slot of live()) slot.process!.kill('SIGTERM');
    });
    return stopping;
  }

  function kill(): void {
    for (const slot of live()) slot.process!.kill('SIGKILL');
  }

  if (count > 0) launch(slots[0]!);
  else settleStarted.resolve();

  return {
    started,
    stop,
    kill() {
      phase = 'stopping';
      kill();
    },
    pids() {
      const pids = new Map<number, number>();
      for (const slot of live()) if (slot.process!.pid !== undefined) pids.set(slot.index, slot.process!.pid);
      return pids;
    },
  };
}
