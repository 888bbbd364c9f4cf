/**
 * muc-large: O occupants (500 by default) join one room, `concurrency` joins in flight;
 * the time until every one has its self-presence, then M messages at a low rate and their
 * send-to-receive latency across the whole room.
 */
import { runPool, sleep } from '../lib/pool.mjs';
import { Samples } from '../lib/stats.mjs';
import { groupchat, joinRoom, sentAt } from '../lib/muc.mjs';
import { closeAll, cpuBetween, loginMany, measure, round } from './common.mjs';

export const defaults = { occupants: 500, concurrency: 50, messages: 20, message_rate: 10, login_concurrency: 100 };

/** @param {import('./common.mjs').ScenarioContext} ctx */
export async function run(ctx, { occupants, concurrency, messages, message_rate, login_concurrency }) {
  const room = `large-${process.pid}-${Date.now().toString(36)}@${ctx.muc}`;
  const clients = [];
  try {
    clients.push(...await loginMany(ctx, occupants, login_concurrency, 'occupants'));
    const joinLatency = new Samples();
    const before = measure(ctx);
    const start = performance.now();
    await joinRoom(clients[0], room, 'o0');
    joinLatency.add(performance.now() - start);
    const joins = await runPool(occupants - 1, concurrency, async (i) => {
      const t = performance.now();
      await joinRoom(clients[i + 1], room, `o${i + 1}`, { timeoutMs: 120_000 });
      joinLatency.add(performance.now() - t);
    }, { deadline: ctx.deadline, maxFailures: 1 });
    if (joins.failures > 0 || joins.timedOut) throw new Error(`joining: ${joins.errors.join('; ') || 'time limit reached'}`);
    const joinSeconds = (performance.now() - start) / 1000;
    const afterJoin = measure(ctx);
    await sleep(1000); // the last presences reach everyone

    let received = 0;
    const latency = new Samples();
    for (const client of clients) {
      client.onStanza = (stanza) => {
        const sent = sentAt(stanza);
        if (Number.isNaN(sent)) return;
        received++;
        latency.add(performance.now() - sent);
      };
    }
    const sendStart = measure(ctx);
    for (let m = 0; m < messages; m++) {
      const sender = clients[(m * 7919) % occupants];
      sender.send(groupchat(sender, room, m));
      await sleep(1000 / message_rate);
    }
    const expected = messages * occupants;
    const drainUntil = performance.now() + 10_000;
    while (received < expected && performance.now() < drainUntil) await sleep(20);
    const sendEnd = measure(ctx);
    const joinCpu = cpuBetween(before, afterJoin);
    const sendCpu = cpuBetween(sendStart, sendEnd);
    return {
      occupants,
      concurrency,
      join_seconds: round(joinSeconds),
      join_latency_ms: joinLatency.summary(),
      join_server_cpu_ms: joinCpu === null ? null : round(joinCpu, 1),
      messages,
      deliveries: received,
      deliveries_expected: expected,
      message_latency_ms: latency.summary(),
      cpu_us_per_delivery: sendCpu === null || received === 0 ? null : round((sendCpu * 1000) / received, 2),
    };
  } finally {
    await closeAll(clients);
  }
}
