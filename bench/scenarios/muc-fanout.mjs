/**
 * muc-fanout: R rooms × O occupants; S senders (spread over the rooms) send groupchat
 * messages at a fixed total rate for T seconds, at each offered rate in turn. Per step:
 * deliveries/s achieved, server CPU µs per delivery, send-to-receive latency p50/p99, and
 * whether the server kept up. The saturation rate is the highest achieved rate of a step
 * that kept up (≥ 90 % of offered, p99 under 1 s, nothing lost); stepping stops at the
 * first step that did not.
 *
 * Run in-process by bench/cluster.mjs, two optional context fields reach further: `placement`
 * ({ clients: ClientOptions[], nodeOf(k) }) logs occupant k of every room in through
 * clients[nodeOf(k)] (a node of a cluster), and `probe()` is called as a step starts and
 * returns an async function whose figures (e.g. Redis counters) join the step's; `settle()` is
 * awaited once the rooms are full, before the first step.
 */
import { runPool, sleep } from '../lib/pool.mjs';
import { Samples } from '../lib/stats.mjs';
import { groupchat, isError, joinRoom, sentAt } from '../lib/muc.mjs';
import { closeAll, cpuBetween, loginMany, measure, round, selfCpu, systemShare } from './common.mjs';

export const defaults = {
  rooms: 4,
  occupants: 50,
  senders: 8,
  /** Offered deliveries per second (messages/s × occupants), one step each. */
  rates: '5000,10000,20000,40000',
  duration_s: 5,
  drain_s: 5,
  concurrency: 50,
  room_prefix: 'fanout',
};

/** How often the sender loop tops up to the target count. */
const TICK_MS = 5;

/**
 * Every room's occupants, logged in (and pushed to `clients` for closing): occupant k of each
 * room through ctx.client, or through ctx.placement.clients[ctx.placement.nodeOf(k)].
 */
async function loginOccupants(ctx, rooms, occupants, concurrency, clients) {
  const nodeOf = ctx.placement ? ctx.placement.nodeOf : () => 0;
  const nodeClients = ctx.placement ? ctx.placement.clients : [ctx.client];
  const pools = [];
  for (const [node, client] of nodeClients.entries()) {
    let count = 0;
    for (let k = 0; k < occupants; k++) if (nodeOf(k) === node) count += rooms;
    const logged = count === 0 ? [] : await loginMany({ ...ctx, client }, count, concurrency, `occupants on node ${node}`);
    clients.push(...logged);
    pools.push(logged);
  }
  return Array.from({ length: rooms }, () => Array.from({ length: occupants }, (_, k) => pools[nodeOf(k)].pop()));
}

/** @param {import('./common.mjs').ScenarioContext} ctx */
export async function run(ctx, params) {
  const { rooms, occupants, senders, duration_s, drain_s, concurrency } = params;
  const rates = String(params.rates).split(',').map(Number).filter((r) => r > 0);
  const roomJids = Array.from({ length: rooms }, (_, r) => `${params.room_prefix}${r}-${process.pid}-${Date.now().toString(36)}@${ctx.muc}`);
  const clients = [];
  try {
    const members = await loginOccupants(ctx, rooms, occupants, concurrency, clients);
    const all = members.flat();

    // The first occupant creates each room; the rest join in parallel.
    const joinStart = performance.now();
    await Promise.all(members.map((group, r) => joinRoom(group[0], roomJids[r], 'o0')));
    const joins = await runPool(rooms * (occupants - 1), concurrency, (i) => {
      const r = i % rooms;
      const k = 1 + Math.floor(i / rooms);
      return joinRoom(members[r][k], roomJids[r], `o${k}`);
    }, { deadline: ctx.deadline, maxFailures: 1 });
    if (joins.failures > 0 || joins.timedOut) throw new Error(`joining rooms: ${joins.errors.join('; ') || 'time limit reached'}`);
    const joinSeconds = (performance.now() - joinStart) / 1000;
    await sleep(500); // let the join presences drain
    await ctx.settle?.();

    let received = 0;
    let errors = 0;
    let latency = new Samples();
    for (const client of all) {
      client.onStanza = (stanza) => {
        const sent = sentAt(stanza);
        if (Number.isNaN(sent)) {
          if (stanza.startsWith('<message') && isError(stanza)) errors++;
          return;
        }
        received++;
        latency.add(performance.now() - sent);
      };
    }
    const senderList = Array.from({ length: senders }, (_, i) => ({ client: members[i % rooms][Math.floor(i / rooms) % occupants], room: roomJids[i % rooms] }));

    const steps = [];
    let saturation = null;
    let seq = 0;
    for (const rate of rates) {
      if (performance.now() > ctx.deadline) break;
      const messagesPerSecond = rate / occupants;
      received = 0;
      errors = 0;
      latency = new Samples();
      const loadCpu = selfCpu();
      const probed = ctx.probe?.();
      const before = measure(ctx);
      const start = performance.now();
      let sent = 0;
      let next = 0;
      while (performance.now() - start < duration_s * 1000) {
        const due = Math.floor(((performance.now() - start) / 1000) * messagesPerSecond);
        while (sent < due) {
          const sender = senderList[next++ % senderList.length];
          sender.client.send(groupchat(sender.client, sender.room, seq++));
          sent++;
        }
        await sleep(TICK_MS);
      }
      const sendEnd = performance.now();
      const expected = sent * occupants;
      const drainUntil = sendEnd + drain_s * 1000;
      while (received < expected && performance.now() < drainUntil) await sleep(20);
      const end = performance.now();
      const after = measure(ctx);
      const cpu = cpuBetween(before, after);
      const lat = latency.summary();
      const achieved = received / ((end - start) / 1000);
      const keptUp = achieved >= 0.9 * rate && received >= expected * 0.999 && lat.p99 !== null && lat.p99 < 1000;
      steps.push({
        offered_deliveries_per_s: rate,
        messages_sent: sent,
        deliveries_expected: expected,
        deliveries: received,
        errors,
        deliveries_per_s: round(achieved, 0),
        server_cpu_ms: cpu === null ? null : round(cpu, 1),
        cpu_us_per_delivery: cpu === null || received === 0 ? null : round((cpu * 1000) / received, 2),
        server_cpu_share: cpu === null ? null : round(cpu / (end - start), 3),
        server_cpu_system_share: systemShare(before, after),
        latency_ms: lat,
        kept_up: keptUp,
        loadgen_cpu: loadCpu(),
        ...(probed ? await probed() : {}),
      });
      if (!keptUp) break;
      saturation = round(achieved, 0);
      // Let a backlog drain before the next step.
      await sleep(300);
    }
    return {
      rooms,
      occupants,
      senders,
      duration_s,
      join_seconds: round(joinSeconds),
      steps,
      saturation_deliveries_per_s: saturation,
      max_deliveries_per_s: steps.reduce((max, step) => Math.max(max, step.deliveries_per_s), 0),
      saturated: steps.length > 0 && !steps[steps.length - 1].kept_up,
    };
  } finally {
    await closeAll(clients);
  }
}
