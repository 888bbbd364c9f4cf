/** What every scenario shares: logging in a crowd of clients, and measuring the server. */
import { XmppClient } from '../lib/client.mjs';
import { runPool } from '../lib/pool.mjs';
import { cpuTimes, rssKb } from '../lib/proc.mjs';
import { round } from '../lib/stats.mjs';

/**
 * @typedef {object} ScenarioContext
 * @property {string} server               label for the JSON line
 * @property {number | null} pid           server process to measure (null: no CPU/memory figures)
 * @property {() => number[]} [pids]       instead of `pid`: every process of the server (a primary
 *                                         and its workers, several nodes), read anew at each measurement
 * @property {import('../lib/client.mjs').ClientOptions} client
 * @property {string} muc                  MUC service domain
 * @property {number} deadline             performance.now() after which loops stop
 * @property {(message: string) => void} log
 */

/** Server CPU/RSS right now, or nulls when there is no PID to read. */
export function measure(ctx) {
  const pids = ctx.pids ? ctx.pids() : ctx.pid === null ? [] : [ctx.pid];
  if (pids.length === 0) return { at: performance.now(), cpuMs: null, sysMs: null, rssKb: null };
  let cpuMs = 0;
  let sysMs = 0;
  let rss = 0;
  for (const pid of pids) {
    const cpu = cpuTimes(pid);
    cpuMs += cpu.total;
    sysMs += cpu.system;
    rss += rssKb(pid);
  }
  return { at: performance.now(), cpuMs, sysMs, rssKb: rss };
}

/** The kernel's share (stime) of the server CPU between two measurements, or null. */
export function systemShare(before, after) {
  const total = cpuBetween(before, after);
  if (total === null || total === 0) return null;
  return round((after.sysMs - before.sysMs) / total, 3);
}

/** Server CPU ms between two measurements (null without a PID). */
export function cpuBetween(before, after) {
  return before.cpuMs === null ? null : after.cpuMs - before.cpuMs;
}

/** The load generator's own CPU use over a wall-clock interval, as a share of one core. */
export function selfCpu() {
  const start = process.cpuUsage();
  const at = performance.now();
  return () => {
    const used = process.cpuUsage(start);
    return round((used.user + used.system) / 1000 / (performance.now() - at), 3);
  };
}

/**
 * Logs in `count` clients, `concurrency` at a time, and keeps them. Throws if fewer than
 * all succeed (a scenario's figures mean nothing with missing clients).
 */
export async function loginMany(ctx, count, concurrency, what = 'clients') {
  const { results, failures, errors, timedOut } = await runPool(count, concurrency, async () => {
    const client = new XmppClient(ctx.client);
    try {
      await client.login();
      return client;
    } catch (error) {
      client.destroy();
      throw error;
    }
  }, { deadline: ctx.deadline, maxFailures: 1 });
  const clients = results.filter(Boolean);
  if (failures > 0 || timedOut || clients.length < count) {
    await closeAll(clients);
    throw new Error(`logging in ${what}: ${clients.length}/${count} succeeded${timedOut ? ', time limit reached' : ''}; ${errors.join('; ')}`);
  }
  return clients;
}

/** Closes clients gracefully, a bounded number at a time. */
export async function closeAll(clients, concurrency = 200) {
  await runPool(clients.length, concurrency, (i) => clients[i].close(3000), { maxFailures: Infinity });
}

export { round };
