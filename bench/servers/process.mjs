/** Starting and stopping a server process under test: wait for its ports, stop it by its PID. */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import { sleep } from '../lib/pool.mjs';

/** Resolves once something accepts TCP connections on host:port, or throws after timeoutMs. */
export async function waitForPort(host, port, timeoutMs, alive = () => true) {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (!alive()) throw new Error(`the server exited before listening on ${host}:${port}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
}

/**
 * Whether a port is free to listen on (a server from an earlier run must not be measured
 * instead). Ports in the ephemeral range are refused: the load generator's own outgoing
 * connections could hold them.
 */
export async function assertPortFree(host, port) {
  const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  if (port >= low && port <= high) throw new Error(`port ${port} is in the ephemeral range ${low}-${high}; pick another`);
  await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', () => reject(new Error(`${host}:${port} is already in use; stop what listens there first`)));
    server.listen(port, host, () => server.close(resolve));
  });
}

/**
 * Spawns a command with its output going to a log file. Returns the child and a promise
 * for its exit.
 */
export function spawnLogged(command, args, { logFile, env = process.env, cwd } = {}) {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let running = true;
  exited.then(() => { running = false; });
  return { child, exited, alive: () => running };
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
export async function stopProcess(handle, graceMs = 10_000) {
  if (!handle.alive()) return;
  handle.child.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(false), graceMs); });
  const done = await Promise.race([handle.exited.then(() => true), timeout]);
  clearTimeout(timer); // a pending grace timer would keep the process alive
  if (!done) {
    handle.child.kill('SIGKILL');
    await handle.exited;
  }
}

/** Whether a PID still exists. */
export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
