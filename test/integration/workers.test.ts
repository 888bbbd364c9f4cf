/**
 * `palaver start` with `[cluster].workers = 2`, as an admin runs it (dist/, real processes):
 * two workers answer on one port, a worker killed with SIGKILL comes back while the port
 * keeps answering, SIGTERM stops them all within 10 s, and a start that cannot work ends
 * with a clear message. A cluster config needs Redis and PostgreSQL: the machine's.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type XmppClient } from '../helpers/clients.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { REDIS_TEST_URL, requireRedis } from '../helpers/redis.js';
import { freePort, isRunning, MAIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

interface LogLine { msg: string; pid?: number; worker?: number; workerPid?: number; node?: string }

function clusterConfig(database: TestDatabase, extra = ''): string {
  return `
[server]
data_dir = "data"

[tls]
require_encryption = false

[log]
level = "debug"

[storage]
backend = "postgres"
url = "${database.url}"

[cluster]
redis = "${REDIS_TEST_URL}"
workers = 2
${extra}`;
}

function logLines(server: { stdout: string }): LogLine[] {
  return server.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

async function httpStatus(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  await response.arrayBuffer();
  return response.status;
}

/** Runs `palaver start` on a config that must not come up; resolves with how it ended. */
async function failedStart(dir: string, toml: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = path.join(dir, 'palaver.toml');
  fs.writeFileSync(file, toml);
  const child = spawn(process.execPath, [MAIN, 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

let database: TestDatabase;
const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-workers-'));
  dirs.push(dir);
  return dir;
}

beforeAll(async () => {
  await requireRedis();
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('palaver start with two workers', () => {
  let server: ServerProcess;
  const clients: XmppClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.stop().catch(() => {})));
    if (server) await server.kill();
  });

  /** Signs `count` guests in over TCP and returns the pids of the workers that bound them. */
  async function signInGuests(count: number): Promise<Set<number>> {
    const before = logLines(server).filter((line) => line.msg === 'session bound').length;
    for (let i = 0; i < count; i++) clients.push(await connectClient({ port: server.c2sPort }));
    await expect.poll(() => logLines(server).filter((line) => line.msg === 'session bound').length).toBe(before + count);
    return new Set(logLines(server).filter((line) => line.msg === 'session bound').slice(before).map((line) => line.pid!));
  }

  const readyWorkers = (): LogLine[] => logLines(server).filter((line) => line.msg === 'worker ready');

  it('starts two workers that share the listeners', async () => {
    server = await startServerProcess(tempDir(), clusterConfig(database));
    await expect.poll(() => logLines(server).some((line) => line.msg === 'every worker is ready'), { timeout: 60_000 }).toBe(true);
    const workerPids = new Set(readyWorkers().map((line) => line.workerPid!));
    expect(workerPids.size).toBe(2);
    expect(workerPids.has(server.child.pid!)).toBe(false);
    const nodes = new Set(logLines(server).filter((line) => line.msg.startsWith('Palaver is listening')).map((line) => line.node));
    expect(nodes).toEqual(new Set([`${os.hostname()}-${server.child.pid}-1`, `${os.hostname()}-${server.child.pid}-2`]));

    expect(await signInGuests(4)).toEqual(workerPids);
    expect(await httpStatus(server.httpPort)).toBe(200);
  });

  it('restarts a worker killed with SIGKILL while the other keeps the port answering', async () => {
    const [victim, survivor] = readyWorkers().map((line) => line.workerPid!);
    process.kill(victim!, 'SIGKILL');
    await expect.poll(() => isRunning(victim!)).toBe(false);
    expect(await httpStatus(server.httpPort)).toBe(200);
    expect(await signInGuests(2)).toEqual(new Set([survivor]));

    await expect.poll(() => readyWorkers().length, { timeout: 60_000 }).toBe(3);
    const replacement = readyWorkers()[2]!.workerPid!;
    expect([victim, survivor]).not.toContain(replacement);
    expect(logLines(server).find((line) => line.msg === 'worker died; restarting it')?.workerPid).toBe(victim);
    expect(await signInGuests(4)).toEqual(new Set([survivor, replacement]));
  });

  it('stops every worker on SIGTERM within 10 s', async () => {
    const workers = [...new Set(logLines(server).filter((line) => line.msg === 'session bound').map((line) => line.pid!))].filter(isRunning);
    expect(workers).toHaveLength(2);
    const began = Date.now();
    expect(await server.stop()).toBe(0);
    expect(Date.now() - began).toBeLessThan(10_000);
    for (const pid of workers) expect(isRunning(pid)).toBe(false);
    expect(logLines(server).filter((line) => line.msg === 'worker stopped')).toHaveLength(2);
  });
});

describe('palaver start with workers that cannot start', () => {
  it('refuses workers without [cluster].redis', async () => {
    const toml = clusterConfig(database).replace(`redis = "${REDIS_TEST_URL}"`, 'redis = ""');
    const result = await failedStart(tempDir(), toml);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('[cluster].workers: 2 needs [cluster].redis');
    expect(result.stdout).not.toContain('worker started');
  });

  it('refuses a certificate it cannot read before forking any worker', async () => {
    const toml = clusterConfig(database).replace('require_encryption = false', 'cert = "missing.pem"\nkey = "missing-key.pem"');
    const result = await failedStart(tempDir(), toml);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^palaver: \[tls\] cert: cannot read .*missing\.pem: no such file$/m);
    expect(result.stdout).not.toContain('worker started');
  });

  it('exits with the worker\'s message when the port is taken, leaving no worker behind', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const toml = `${clusterConfig(database)}\n[listen]\nc2s = "127.0.0.1:${await freePort()}"\nhttp = "127.0.0.1:${port}"\n`;
      const result = await failedStart(tempDir(), toml);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`palaver: cannot listen on 127.0.0.1:${port}: the address is already in use`);
      const started = logLines(result).filter((line) => line.msg === 'worker started');
      expect(started.length).toBeGreaterThan(0);
      for (const line of started) expect(isRunning(line.workerPid!)).toBe(false);
    } finally {
      taken.close();
    }
  });
});
