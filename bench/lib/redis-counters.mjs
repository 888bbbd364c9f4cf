/**
 * Redis for the cluster bench: a private redis-server of its own (so that the counters count
 * only Palaver's traffic, not other work on the machine's shared Redis), and what Redis did
 * between two readings, from INFO commandstats and INFO stats (no MONITOR, which would cost
 * Redis more than what it watches).
 */
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuTimes } from './proc.mjs';
import { assertPortFree, spawnLogged, stopProcess, waitForPort } from '../servers/process.mjs';

/** Below the ephemeral range, next to the bench's Palaver ports. */
export const PRIVATE_REDIS_PORT = 16379;

/** Starts `redis-server` on 127.0.0.1:port without persistence; resolves with { url, pid, stop() }. */
export async function startPrivateRedis(port = PRIVATE_REDIS_PORT) {
  await assertPortFree('127.0.0.1', port);
  const dir = mkdtempSync(path.join(tmpdir(), 'palaver-bench-redis-'));
  const handle = spawnLogged('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { logFile: path.join(dir, 'redis.log') });
  try {
    await waitForPort('127.0.0.1', port, 10_000, handle.alive);
  } catch (error) {
    await stopProcess(handle);
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: handle.child.pid,
    async stop() {
      await stopProcess(handle);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `key:value` lines of INFO into a map of strings. */
function infoFields(text) {
  const fields = new Map();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Calls per command name, from INFO commandstats (`cmdstat_publish:calls=12,usec=…`). */
function commandCalls(fields) {
  const calls = {};
  for (const [key, value] of fields) {
    if (!key.startsWith('cmdstat_')) continue;
    const match = /(?:^|,)calls=(\d+)/.exec(value);
    if (match) calls[key.slice('cmdstat_'.length)] = Number(match[1]);
  }
  return calls;
}

/**
 * Readings of one Redis: `reading()` now, `between(a, b)` what happened in between. The INFO
 * commands of the readings themselves are left out of the counts (their replies, ≈ 2 KB
 * each, are in the output bytes).
 */
export class RedisCounters {
  constructor(url, pid = null) {
    this.client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    this.client.on('error', () => {});
    this.pid = pid;
  }

  async reading() {
    if (this.client.status === 'wait') await this.client.connect();
    const [commands, stats] = await Promise.all([this.client.info('commandstats'), this.client.info('stats')]);
    const fields = infoFields(stats);
    return {
      calls: commandCalls(infoFields(commands)),
      inputBytes: Number(fields.get('total_net_input_bytes')),
      outputBytes: Number(fields.get('total_net_output_bytes')),
      cpuMs: this.pid === null ? null : cpuTimes(this.pid).total,
    };
  }

  /** Commands by name (INFO excluded), their sum, bytes in and out, and Redis's CPU ms. */
  between(before, after) {
    const calls = {};
    let total = 0;
    for (const [name, count] of Object.entries(after.calls)) {
      const delta = count - (before.calls[name] ?? 0);
      if (delta > 0 && name !== 'info') {
        calls[name] = delta;
        total += delta;
      }
    }
    return {
      commands: total,
      calls,
      input_bytes: after.inputBytes - before.inputBytes,
      output_bytes: after.outputBytes - before.outputBytes,
      cpu_ms: this.pid === null ? null : after.cpuMs - before.cpuMs,
    };
  }

  /** Bytes Redis holds for data (INFO memory used_memory). */
  async usedMemory() {
    if (this.client.status === 'wait') await this.client.connect();
    return Number(infoFields(await this.client.info('memory')).get('used_memory'));
  }

  /**
   * Waits until Redis is quiet (fewer than `idle` commands in half a second, at most `maxMs`):
   * departures of an earlier case's clients must not be counted as a later case's traffic.
   */
  async settle({ idle = 20, maxMs = 20_000 } = {}) {
    const until = performance.now() + maxMs;
    let last = await this.reading();
    while (performance.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await this.reading();
      if (this.between(last, now).commands < idle) return;
      last = now;
    }
  }

  close() {
    this.client.disconnect();
  }
}
