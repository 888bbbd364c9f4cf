/**
 * Palaver as an admin runs it: `node dist/server/main.js start --config FILE` in a child
 * process, on free loopback ports, with its log (stdout) and stderr captured. For tests that
 * kill the process, restart it on the same data, or read everything it logged.
 * Build first (`npx tsc -p tsconfig.json`; `npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const MAIN = path.join(ROOT, 'dist', 'server', 'main.js');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Calls `state` every 50 ms while it answers 'starting', up to `timeoutMs`; returns its last
 * answer. A plain loop rather than expect.poll, which only works inside a test, not in beforeAll.
 */
export async function waitWhileStarting<T extends string>(state: () => Promise<T | 'starting'>, timeoutMs: number): Promise<T | 'starting'> {
  const deadline = Date.now() + timeoutMs;
  let reached = await state();
  while (reached === 'starting' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    reached = await state();
  }
  return reached;
}

/** Whether a process with this pid is alive (signal 0 checks without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A config body for startServerProcess: data in ./data, plain TCP allowed, one channel
 * "lobby", and no per-occupant flood limit, so that a few guests can make heavy traffic.
 */
export function lobbyConfig(logLevel: 'warn' | 'info'): string {
  return `
[server]
data_dir = "data"

[muc]
messages_per_minute = 0

[tls]
require_encryption = false

[log]
level = "${logLevel}"

[[channels]]
name = "lobby"
`;
}

export interface ServerProcess {
  child: ChildProcess;
  c2sPort: number;
  httpPort: number;
  /** Everything written to stdout (the JSON log) and stderr so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | string>;
  /** SIGKILL: no chance to flush or close anything. */
  kill(): Promise<number | string>;
}

/**
 * Writes `body` (TOML, without [listen]) to `dir/palaver.toml` with listeners on the given or
 * free ports, starts the server and resolves once its c2s port accepts connections.
 */
export async function startServerProcess(dir: string, body: string, ports: { c2s?: number; http?: number } = {}): Promise<ServerProcess> {
  const c2sPort = ports.c2s ?? await freePort();
  const httpPort = ports.http ?? await freePort();
  const file = path.join(dir, 'palaver.toml');
  fs.writeFileSync(file, `${body}\n[listen]\nc2s = "127.0.0.1:${c2sPort}"\nhttp = "127.0.0.1:${httpPort}"\npublic_url = "http://127.0.0.1:${httpPort}"\n`);
  const child = spawn(process.execPath, [MAIN, 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const end = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const state = async () => (child.exitCode !== null ? 'exited' : (await canConnect(c2sPort)) ? 'listening' : 'starting');
  // Generous: two cores shared by several test runs can make a start take over 15 s.
  const reached = await waitWhileStarting(state, 40_000);
  if (reached !== 'listening') {
    child.kill('SIGKILL');
    throw new Error(`the server did not start; stderr: ${stderr}; stdout: ${stdout}`);
  }
  return {
    child, c2sPort, httpPort, exited,
    get stdout() { return stdout; },
    get stderr() { return stderr; },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
