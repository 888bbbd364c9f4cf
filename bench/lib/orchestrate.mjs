/**
 * Running scenarios as child processes (each with a fresh load generator, optionally pinned
 * to a CPU) against a started server, and collecting their JSON lines.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const RUN = path.join(BENCH_DIR, 'run.mjs');

/** Load generators still running, so that an interrupted run can end them. */
const running = new Set();

export function killScenarios() {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Ctrl-C or SIGTERM: end the load generators and stop the server under test, then exit 130.
 * A second signal exits at once.
 * @param {(message: string) => void} log
 * @param {() => ({ stop(): Promise<unknown> } | null)} serverUnderTest  the server running now, if any
 */
export function stopOnSignals(log, serverUnderTest) {
  let interrupted = false;
  const interrupt = async (signal) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`${signal}: stopping`);
    killScenarios();
    await serverUnderTest()?.stop().catch(() => {});
    process.exit(130);
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
}

/**
 * @param {{ name: string, pid: number, runArgs: Record<string, string | number> }} server
 * @param {string} scenario
 * @param {Record<string, string | number>} params  transport and scenario parameters
 * @param {{ cpu?: number, nice?: number, timeLimitS?: number, log?: (line: string) => void }} [options]
 * @returns {Promise<Record<string, unknown>>} the scenario's JSON line (with `error` on failure)
 */
export function runScenario(server, scenario, params, { cpu, nice, timeLimitS = 240, log = () => {} } = {}) {
  const args = [RUN, scenario, '--server', server.name, '--pid', String(server.pid), '--time-limit-s', String(timeLimitS)];
  for (const [key, value] of Object.entries({ ...server.runArgs, ...params })) args.push(`--${key}`, String(value));
  const prefix = [
    ...(nice === undefined ? [] : ['nice', '-n', String(nice)]),
    ...(cpu === undefined ? [] : ['taskset', '-c', String(cpu)]),
  ];
  const argv = [...prefix, process.execPath, ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.length > 65536) stderr = stderr.slice(-32768);
    });
    // run.mjs stops itself past its time limit; this is the backstop.
    const killer = setTimeout(() => child.kill('SIGKILL'), (timeLimitS + 120) * 1000);
    child.once('exit', (code, signal) => {
      running.delete(child);
      clearTimeout(killer);
      const line = stdout.trim().split('\n').filter(Boolean).pop();
      let result;
      try {
        result = JSON.parse(line ?? '');
      } catch {
        result = { scenario, server: server.name, error: `no result (exit ${code ?? signal}): ${stderr.trim().slice(-500)}` };
      }
      log(JSON.stringify(result));
      resolve(result);
    });
  });
}
