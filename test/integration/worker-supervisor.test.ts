/**
 * The primary's supervisor (startup/worker-supervisor.ts) over real child processes: a tiny
 * worker script (fixtures/tiny-worker.mjs) reports to it over IPC as a Palaver worker does.
 * The whole `palaver start` with Node's cluster workers is in workers.test.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning } from '../helpers/server-process.js';
import { superviseWorkers, WorkerStartupError, type Supervisor, type SupervisorOptions } from '../../server/startup/worker-supervisor.js';

const TINY_WORKER = path.join(import.meta.dirname, 'fixtures', 'tiny-worker.mjs');

type Mode = 'ready' | 'fail' | 'crash' | 'ignore-sigterm';
interface LogLine { msg: string; worker?: number; workerPid?: number; restartInMs?: number; code?: number | null; signal?: string | null }

const children: ChildProcess[] = [];
const supervisors: Supervisor[] = [];

afterEach(async () => {
  for (const supervisor of supervisors.splice(0)) supervisor.kill();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A supervisor of tiny workers; `modes(index, start)` picks each start's behaviour (start counts from 1 per worker). */
function supervise(count: number, modes: (index: number, start: number) => Mode, options: Partial<SupervisorOptions> = {}) {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const starts = new Map<number, number>();
  const supervisor = superviseWorkers({
    count,
    log,
    restartDelayMs: 50,
    ...options,
    startWorker(index) {
      const start = (starts.get(index) ?? 0) + 1;
      starts.set(index, start);
      const child = fork(TINY_WORKER, [], { env: { ...process.env, TINY_WORKER_MODE: modes(index, start) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      return child;
    },
  });
  supervisors.push(supervisor);
  const logged = (msg: string) => lines.filter((line) => line.msg === msg);
  return { supervisor, lines, logged, starts };
}

async function waitForExit(pid: number): Promise<void> {
  await expect.poll(() => isRunning(pid), { timeout: 10_000 }).toBe(false);
}

describe('worker supervisor', () => {
  it('starts the first worker alone, then the others, and reports when all are ready', async () => {
    const { supervisor, lines } = supervise(3, () => 'ready');
    await supervisor.started;
    const pids = supervisor.pids();
    expect([...pids.keys()].sort()).toEqual([1, 2, 3]);
    expect(new Set(pids.values()).size).toBe(3);
    for (const pid of pids.values()) expect(isRunning(pid)).toBe(true);
    const order = lines.map((line) => `${line.msg}${line.worker ?? ''}`);
    const firstReady = order.indexOf('worker ready1');
    expect(firstReady).toBeGreaterThan(-1);
    expect(order.indexOf('worker started2')).toBeGreaterThan(firstReady);
    expect(order.indexOf('worker started3')).toBeGreaterThan(firstReady);
    expect(order.at(-1)).toBe('every worker is ready');
  });

  it('restarts a worker killed with SIGKILL, with a delay that doubles while it keeps dying and starts over once it ran long enough', async () => {
    let clock = 1_000_000;
    const { supervisor, logged } = supervise(2, () => 'ready', { restartDelayMs: 50, stableAfterMs: 60_000, now: () => clock });
    await supervisor.started;

    const restartOnce = async (): Promise<number> => {
      const before = supervisor.pids().get(2)!;
      process.kill(before, 'SIGKILL');
      await expect.poll(() => supervisor.pids().get(2), { timeout: 10_000 }).not.toBe(before);
      await expect.poll(() => supervisor.pids().get(2), { timeout: 10_000 }).toBeDefined();
      const after = supervisor.pids().get(2)!;
      expect(after).not.toBe(before);
      await expect.poll(() => logged('worker ready').filter((line) => line.workerPid === after).length).toBe(1);
      return after;
    };
    await restartOnce();
    await restartOnce();
    await restartOnce();
    clock += 60_000; // the third restart has now been up for a minute
    await restartOnce();

    const died = logged('worker died; restarting it');
    expect(died.map((line) => line.restartInMs)).toEqual([50, 100, 200, 50]);
    expect(died.every((line) => line.worker === 2 && line.signal === 'SIGKILL')).toBe(true);
    expect(isRunning(supervisor.pids().get(1)!)).toBe(true);
  });

  it('caps the back-off of a worker that keeps crashing', async () => {
    const { supervisor, logged } = supervise(1, (_, start) => (start === 1 ? 'ready' : 'crash'), { restartDelayMs: 20, maxRestartDelayMs: 80 });
    await supervisor.started;
    process.kill(supervisor.pids().get(1)!, 'SIGKILL');
    await expect.poll(() => logged('worker died; restarting it').length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(logged('worker died; restarting it').slice(0, 5).map((line) => line.restartInMs)).toEqual([20, 40, 80, 80, 80]);
    expect(logged('worker died; restarting it')[1]!.code).toBe(3);
  });

  it('fails the start with the worker\'s own message and exit code, after stopping the workers already running', async () => {
    const { supervisor, logged } = supervise(3, (index) => (index === 3 ? 'fail' : 'ready'));
    const failure = await supervisor.started.then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkerStartupError);
    expect((failure as WorkerStartupError).message).toBe('cannot listen on 127.0.0.1:1: permission denied');
    expect((failure as WorkerStartupError).exitCode).toBe(2);
    expect(supervisor.pids().size).toBe(0);
    const started = logged('worker started');
    for (const line of started) expect(isRunning(line.workerPid!)).toBe(false);
    expect(logged('worker died; restarting it')).toEqual([]);
  });

  it('fails the start when the first worker dies without a word, and starts no other', async () => {
    const { supervisor, logged } = supervise(2, () => 'crash');
    await expect(supervisor.started).rejects.toThrow('worker 1 exited while starting (exit code 3)');
    expect(logged('worker started').map((line) => line.worker)).toEqual([1]);
  });

  it('stops every worker with SIGTERM and restarts none of them', async () => {
    const { supervisor, logged } = supervise(2, () => 'ready', { restartDelayMs: 10 });
    await supervisor.started;
    const pids = [...supervisor.pids().values()];
    await expect(supervisor.stop()).resolves.toBe(true);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(logged('worker stopped').map((line) => [line.code, line.signal])).toEqual([[0, null], [0, null]]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(logged('worker started')).toHaveLength(2);
  });

  it('kills a worker that does not stop within the stop timeout', async () => {
    const { supervisor, logged } = supervise(2, (index) => (index === 2 ? 'ignore-sigterm' : 'ready'), { stopTimeoutMs: 500 });
    await supervisor.started;
    const stubborn = supervisor.pids().get(2)!;
    await expect(supervisor.stop()).resolves.toBe(false);
    await waitForExit(stubborn);
    expect(logged('worker stopped').find((line) => line.worker === 2)?.signal).toBe('SIGKILL');
  });

  it('counts a stop during the start as no failure', async () => {
    const { supervisor } = supervise(2, () => 'ready');
    const stopped = supervisor.stop();
    await expect(supervisor.started).resolves.toBeUndefined();
    await expect(stopped).resolves.toBe(true);
    expect(supervisor.pids().size).toBe(0);
  });
});
