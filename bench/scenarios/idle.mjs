/**
 * idle: hold N signed-in, available clients and read the server's resident memory.
 * A warm-up crowd logs in first and stays, so that one-time growth (JIT, pools, caches)
 * is not charged to the measured clients: memory per client = (RSS with N + warm-up −
 * RSS with warm-up alone) / N. The server CPU spent while the crowd signs in is reported
 * too: CPU per sign-in with the connection kept, which the login scenario (that also closes
 * every stream) cannot show.
 */
import { sleep } from '../lib/pool.mjs';
import { closeAll, cpuBetween, loginMany, measure, round } from './common.mjs';

export const defaults = { clients: 1000, concurrency: 100, warmup: 100, settle_s: 3 };

/** @param {import('./common.mjs').ScenarioContext} ctx */
export async function run(ctx, { clients, concurrency, warmup, settle_s }) {
  const held = [];
  try {
    const warm = await loginMany(ctx, warmup, concurrency, 'warm-up clients');
    held.push(...warm);
    for (const client of warm) client.send(`<presence${client.ns}/>`);
    await sleep(settle_s * 1000);
    const baseline = measure(ctx);
    const start = performance.now();
    const crowd = await loginMany(ctx, clients, concurrency, 'idle clients');
    const signedIn = measure(ctx);
    held.push(...crowd);
    for (const client of crowd) client.send(`<presence${client.ns}/>`);
    const loginSeconds = (performance.now() - start) / 1000;
    await sleep(settle_s * 1000);
    const loaded = measure(ctx);
    const perClient = baseline.rssKb === null ? null : ((loaded.rssKb - baseline.rssKb) * 1024) / clients;
    return {
      clients,
      warmup,
      login_seconds: round(loginSeconds),
      cpu_ms_per_sign_in: baseline.cpuMs === null ? null : round(cpuBetween(baseline, signedIn) / clients, 4),
      rss_baseline_kb: baseline.rssKb,
      rss_loaded_kb: loaded.rssKb,
      bytes_per_client: perClient === null ? null : Math.round(perClient),
      kb_per_client: perClient === null ? null : round(perClient / 1024, 1),
    };
  } finally {
    await closeAll(held);
  }
}
