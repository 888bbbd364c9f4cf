/**
 * A Palaver in a child process (the compiled CLI, dist/server/main.js), for what only a real
 * process can show: a `kill -9` in the middle of things, then a restart on the same data.
 * Build first (`npx tsc -p tsconfig.json`); npm test does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const MAIN = path.resolve(import.meta.dirname, '../../dist/server/main.js');
const START_TIMEOUT_MS = 15_000;

export interface ServerProcess {
  c2sPort: number;
  httpPort: number;
  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, as an admin stops it; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A loopback port free right now (for a child process to listen on). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether something accepts TCP connections on this loopback port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `palaver start` on fresh loopback ports with data in `dir` (reused across restarts),
 * plain TCP allowed; `extraToml` is appended to the config. Resolves once c2s accepts.
 */
export async function startServerProcess(dir: string, extraToml = ''): Promise<ServerProcess> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} does not exist: build first with "npx tsc -p tsconfig.json"`);
  const c2sPort = await freePort();
  const httpPort = await freePort();
  const file = path.join(dir, 'palaver.toml');
  fs.writeFileSync(file, [
    '[server]', 'data_dir = "data"', '',
    '[listen]', `c2s = "127.0.0.1:${c2sPort}"`, `http = "127.0.0.1:${httpPort}"`, '',
    '[tls]', 'require_encryption = false', '',
    '[log]', 'level = "warn"', '',
    extraToml,
  ].join('\n'));
  const child = spawn(process.execPath, [MAIN, 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await canConnect(c2sPort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`palaver did not start; stderr: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    c2sPort,
    httpPort,
    async kill9() {
      signal(child, 'SIGKILL');
      await exited;
    },
    async stop() {
      signal(child, 'SIGTERM');
      return exited;
    },
  };
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
}
