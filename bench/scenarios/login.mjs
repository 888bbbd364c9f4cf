/**
 * login: C clients sign in anonymously and bind a resource, `concurrency` at a time, then
 * close their stream. Logins/s, server CPU per login (sign-in and sign-out both counted),
 * and the latency from connect to bind result.
 */
import { XmppClient } from '../lib/client.mjs';
import { runPool } from '../lib/pool.mjs';
import { Samples } from '../lib/stats.mjs';
import { cpuBetween, measure, round, selfCpu, systemShare } from './common.mjs';

export const defaults = { clients: 2000, concurrency: 100 };

/** @param {import('./common.mjs').ScenarioContext} ctx */
export async function run(ctx, { clients, concurrency }) {
  const latency = new Samples();
  const loadCpu = selfCpu();
  const before = measure(ctx);
  const outcome = await runPool(clients, concurrency, async () => {
    const client = new XmppClient(ctx.client);
    const start = performance.now();
    try {
      await client.login();
      latency.add(performance.now() - start);
    } catch (error) {
      client.destroy();
      throw error;
    }
    await client.close();
  }, { deadline: ctx.deadline });
  const after = measure(ctx);
  const ok = latency.count;
  const seconds = (after.at - before.at) / 1000;
  const cpu = cpuBetween(before, after);
  return {
    clients,
    concurrency,
    ok,
    failed: outcome.failures,
    errors: outcome.errors,
    time_limit_hit: outcome.timedOut,
    seconds: round(seconds),
    logins_per_s: round(ok / seconds, 1),
    server_cpu_ms: cpu === null ? null : round(cpu, 1),
    cpu_ms_per_login: cpu === null || ok === 0 ? null : round(cpu / ok, 4),
    server_cpu_system_share: systemShare(before, after),
    latency_ms: latency.summary(),
    loadgen_cpu: loadCpu(),
  };
}
