#!/usr/bin/env node
/**
 * `npm run bench:cluster`: Palaver as a cluster (issue 13) on this machine, with PostgreSQL (a
 * fresh database per start) and a private Redis started here (so that its counters hold only
 * Palaver's traffic). Two parts, each printing one JSON line per run (also appended to
 * bench/results/cluster-<time>.jsonl) and a summary on stderr:
 *
 *   throughput  the room fan-out (4 rooms × 50 occupants over TCP, 8 senders, rising rates) on
 *               one `palaver start` with no [cluster] (SQLite), with [cluster] workers = 1, and
 *               with workers = 2 (the primary hands connections to the workers in turn, so the
 *               occupants of every room are spread over both). CPU is that of every Palaver
 *               process (primary and workers), Redis's apart.
 *   placement   two nodes (two `palaver start`, workers = 1 each, ports 15222/15280 and
 *               16222/16280) where the bench chooses each occupant's node; the room is served
 *               by node a (its creator's). Cases: `local` (every occupant on a), `remote` (the
 *               sender on a, the 49 others on b), `spread` (occupants alternate a/b, senders on
 *               both). Gives the extra CPU of a delivery to another node and the Redis
 *               commands, bytes and CPU per room message.
 *   directory   the same two nodes; 5000 idle guests sign in on node a: what each costs node b
 *               (which keeps a replica of every session of the cluster) in memory, and Redis
 *               (the session directory) in memory and traffic.
 *
 *   node bench/cluster.mjs [--only throughput|placement|directory] [--rounds N] [--rates 20000,40000,…]
 *                          [--placement-rate 10000]
 *
 * `--placement-rate` sets the one rate of the placement cases (at 10k/s each delivery is its own
 * socket write, which hides smaller differences). `--rates` sets the throughput steps
 * (deliveries/s offered); above 100k/s the load generator itself needs most of a core
 * (`loadgen_cpu`, printed with each step next to every Palaver process's share of a core), so
 * on this 2-core machine it competes with the workers.
 *
 * Build first (`npm run build`). Nothing is pinned: two workers need both cores, and the load
 * generator (this process) shares them.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, stopOnSignals } from './lib/orchestrate.mjs';
import { createBenchDatabase } from './lib/postgres-db.mjs';
import { processTree, cpuTimes, rssKb } from './lib/proc.mjs';
import { closeAll, loginMany } from './scenarios/common.mjs';
import { RedisCounters, startPrivateRedis } from './lib/redis-counters.mjs';
import { sleep } from './lib/pool.mjs';
import { round } from './lib/stats.mjs';
import * as mucFanout from './scenarios/muc-fanout.mjs';
import { startPalaver } from './servers/palaver.mjs';

const NODE_PORTS = { a: { c2s: 15222, http: 15280 }, b: { c2s: 16222, http: 16280 } };
const FANOUT = { transport: 'tcp', rooms: 4, occupants: 50, concurrency: 50 };
const THROUGHPUT = { ...FANOUT, senders: 8, rates: '10000,20000,40000,60000,80000,100000', duration_s: 4, drain_s: 3 };
const VARIANTS = [
  { label: 'no-cluster', workers: 0 },
  { label: 'workers-1', workers: 1 },
  { label: 'workers-2', workers: 2 },
];
/** Occupant k of every room → node index (0 = a, which serves the room: occupant 0 creates it). */
const PLACEMENTS = {
  local: { nodeOf: () => 0, senders: FANOUT.rooms },
  remote: { nodeOf: (k) => (k === 0 ? 0 : 1), senders: FANOUT.rooms },
  spread: { nodeOf: (k) => k % 2, senders: 2 * FANOUT.rooms },
};
const PLACEMENT_STEP = { ...FANOUT, rates: '10000', duration_s: 6, drain_s: 5 };

function parseArgs(argv) {
  const options = { only: null, rounds: 2, rates: THROUGHPUT.rates, placementRate: PLACEMENT_STEP.rates };
  for (let i = 0; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (key === '--only') options.only = value;
    else if (key === '--rounds') options.rounds = Number(value);
    else if (key === '--rates') options.rates = value;
    else if (key === '--placement-rate') options.placementRate = value;
    else throw new Error(`unknown argument ${key}`);
  }
  return options;
}

const log = (message) => process.stderr.write(`${message}\n`);

/** What is running now (Palaver nodes, Redis), so that Ctrl-C stops all of it. */
const running = new Set();
async function stopAll() {
  for (const item of [...running].reverse()) await item.stop().catch(() => {});
}

/** A fresh database, dropped by stop() (and by Ctrl-C). */
const freshDatabase = () => tracked(async () => {
  const database = await createBenchDatabase();
  return { url: database.url, stop: database.drop };
});

/** Starts something with a stop(), remembered until it is stopped. */
async function tracked(start) {
  const item = await start();
  running.add(item);
  return { ...item, stop: async () => { running.delete(item); await item.stop(); } };
}

/** The [storage] and [cluster] tables of a cluster node. */
function clusterToml({ database, redis, node, workers }) {
  return `
[storage]
backend = "postgres"
url = ${JSON.stringify(database)}

[cluster]
redis = ${JSON.stringify(redis)}
node = ${JSON.stringify(node)}
workers = ${workers}
`;
}

/** A primary's log says so once every worker is up (worker 2 starts after worker 1 is ready). */
async function waitForWorkers(server, workers) {
  if (workers < 2) return;
  const until = performance.now() + 60_000;
  while (!readFileSync(server.logFile, 'utf8').includes('every worker is ready')) {
    if (performance.now() > until) throw new Error(`the workers did not all come up; see ${server.logFile}`);
    await sleep(200);
  }
}

/** One Palaver start: no [cluster] when workers = 0. Resolves with { server, pids, stop() }. */
async function startNode({ ports, workers, redisUrl, node }) {
  const database = workers > 0 ? await freshDatabase() : null;
  const extra = database ? clusterToml({ database: database.url, redis: redisUrl, node, workers }) : '';
  const server = await tracked(() => startPalaver({ ports, extra, logLevel: workers > 1 ? 'info' : 'warn' }));
  await waitForWorkers(server, workers);
  const pids = processTree(server.pid);
  return {
    server,
    pids,
    database,
    async stop() {
      await server.stop();
      await database?.stop();
    },
  };
}

/** The in-process context muc-fanout runs with (as bench/run.mjs builds it for a child). */
function fanoutContext({ label, pids, ports, placement, probe, counters }) {
  const client = (p) => ({ transport: 'tcp', host: '127.0.0.1', port: p.c2s, domain: 'anon.localhost' });
  return {
    server: label,
    pid: null,
    pids: () => pids,
    muc: 'conference.localhost',
    deadline: performance.now() + 240_000,
    log,
    client: client(ports[0]),
    placement: placement && { clients: ports.map(client), nodeOf: placement.nodeOf },
    probe,
    // Sign-ins and joins (and an earlier case's departures) reach Redis late on a busy machine.
    settle: counters && (() => counters.settle()),
  };
}

/** Per step: Redis's counters and each process's CPU, read as the step starts and ends. */
function probeOf(counters, processes) {
  return () => {
    const before = counters?.reading();
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuTimes(pid).total]));
    return async () => {
      const cpu_ms_by_process = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, round(cpuTimes(pid).total - cpuBefore[name], 1)]));
      return { cpu_ms_by_process, ...(counters ? { redis: counters.between(await before, await counters.reading()) } : {}) };
    };
  };
}

/** Figures per room message and per delivery, added to each step. */
function perMessage(step) {
  if (!step.redis) return step;
  const messages = step.messages_sent;
  const deliveries = step.deliveries || 1;
  return {
    ...step,
    redis_publish_per_message: round((step.redis.calls.publish ?? 0) / messages, 3),
    redis_commands_per_message: round(step.redis.commands / messages, 3),
    redis_bytes_in_per_message: round(step.redis.input_bytes / messages, 0),
    redis_bytes_out_per_message: round(step.redis.output_bytes / messages, 0),
    redis_cpu_us_per_delivery: step.redis.cpu_ms === null ? null : round((step.redis.cpu_ms * 1000) / deliveries, 2),
  };
}

function record(out, result) {
  const line = JSON.stringify({ bench: 'cluster', at: new Date().toISOString(), load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number), ...result });
  process.stdout.write(`${line}\n`);
  appendFileSync(out, `${line}\n`);
}

async function throughputRun(variant, redis, rates) {
  const node = await startNode({ ports: NODE_PORTS.a, workers: variant.workers, redisUrl: redis.url, node: 'bench' });
  const counters = variant.workers > 0 ? new RedisCounters(redis.url, redis.pid) : null;
  try {
    const processes = Object.fromEntries(node.pids.map((pid, i) => [i === 0 ? 'primary' : `worker${i}`, pid]));
    const ctx = fanoutContext({ label: variant.label, pids: node.pids, ports: [NODE_PORTS.a], probe: probeOf(counters, processes), counters });
    const result = await mucFanout.run(ctx, { ...THROUGHPUT, rates, room_prefix: variant.label });
    return { part: 'throughput', variant: variant.label, workers: variant.workers, processes: node.pids.length, ...result, steps: result.steps.map(perMessage) };
  } finally {
    counters?.close();
    await node.stop();
  }
}

async function placementRun(redis, round_, rate) {
  const { nodes, stop } = await startTwoNodes(redis);
  const counters = new RedisCounters(redis.url, redis.pid);
  const results = [];
  try {
    const pids = nodes.map((n) => n.pid);
    const ports = [NODE_PORTS.a, NODE_PORTS.b];
    const probe = probeOf(counters, { a: pids[0], b: pids[1] });
    // A discarded warm-up, so that the first case measured does not pay for V8's compiling.
    await mucFanout.run(fanoutContext({ label: 'warm-up', pids, ports, placement: PLACEMENTS.spread }), { ...PLACEMENT_STEP, senders: 8, duration_s: 3, room_prefix: 'warm' });
    const order = Object.keys(PLACEMENTS);
    if (round_ % 2 === 1) order.reverse();
    for (const name of order) {
      const placement = PLACEMENTS[name];
      const ctx = fanoutContext({ label: name, pids, ports, placement, probe, counters });
      const result = await mucFanout.run(ctx, { ...PLACEMENT_STEP, rates: rate, senders: placement.senders, room_prefix: name });
      results.push({ part: 'placement', case: name, nodes: 2, ...result, steps: result.steps.map(perMessage) });
    }
    return results;
  } finally {
    counters.close();
    await stop();
  }
}

const DIRECTORY_CLIENTS = 5000;

/** Starts nodes a and b (workers = 1 each) on one fresh database; resolves with { nodes, stop() }. */
async function startTwoNodes(redis) {
  const database = await freshDatabase();
  const nodes = [];
  const stop = async () => {
    for (const node of nodes) await node.stop();
    await database.stop();
  };
  try {
    for (const name of ['a', 'b']) {
      // Both nodes share one database: the second start finds it migrated.
      nodes.push(await tracked(() => startPalaver({ ports: NODE_PORTS[name], extra: clusterToml({ database: database.url, redis: redis.url, node: name, workers: 1 }) })));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, stop };
}

async function directoryRun(redis) {
  const { nodes, stop } = await startTwoNodes(redis);
  const counters = new RedisCounters(redis.url, redis.pid);
  const clients = [];
  try {
    const ctx = fanoutContext({ label: 'directory', pids: nodes.map((n) => n.pid), ports: [NODE_PORTS.a] });
    // Warm-up on both nodes, so that V8's one-time heap growth is not charged to the replicas.
    await closeAll(await loginMany(ctx, 300, 50, 'warm-up clients'));
    await counters.settle();
    await sleep(5000); // the warm-up's garbage collected before the baseline
    const before = { b: rssKb(nodes[1].pid), a: rssKb(nodes[0].pid), redisMemory: await counters.usedMemory(), reading: await counters.reading() };
    clients.push(...await loginMany(ctx, DIRECTORY_CLIENTS, 50, 'idle guests'));
    await counters.settle();
    await sleep(2000);
    const after = { b: rssKb(nodes[1].pid), a: rssKb(nodes[0].pid), redisMemory: await counters.usedMemory(), reading: await counters.reading() };
    const traffic = counters.between(before.reading, after.reading);
    return {
      part: 'directory',
      clients: DIRECTORY_CLIENTS,
      rss_kb_before: { a: before.a, b: before.b },
      redis_used_memory_before: before.redisMemory,
      kb_per_local_session_node_a: round((after.a - before.a) / DIRECTORY_CLIENTS, 2),
      kb_per_replica_node_b: round((after.b - before.b) / DIRECTORY_CLIENTS, 2),
      redis_bytes_per_session: round((after.redisMemory - before.redisMemory) / DIRECTORY_CLIENTS, 0),
      redis_commands_per_sign_in: round(traffic.commands / DIRECTORY_CLIENTS, 2),
      redis_publish_per_sign_in: round((traffic.calls.publish ?? 0) / DIRECTORY_CLIENTS, 2),
      redis_bytes_in_per_sign_in: round(traffic.input_bytes / DIRECTORY_CLIENTS, 0),
      redis_bytes_out_per_sign_in: round(traffic.output_bytes / DIRECTORY_CLIENTS, 0),
      redis: traffic,
    };
  } finally {
    await closeAll(clients);
    counters.close();
    await stop();
  }
}

/** Each Palaver process's share of a core in a step, e.g. `worker1 0.52 worker2 0.71`: a saturated worker shows as ≈ 1. */
function processShares(step) {
  if (!step.cpu_ms_by_process || !step.server_cpu_ms) return '';
  // cpu_ms_by_process adds up to server_cpu_ms, read over the step's window.
  const coresPerMs = step.server_cpu_share / step.server_cpu_ms;
  return Object.entries(step.cpu_ms_by_process).map(([name, ms]) => `${name} ${round(ms * coresPerMs, 2)}`).join(' ');
}

function summarise(result) {
  if (result.error) return `${result.part} ${result.variant ?? result.case ?? ''}: ERROR ${result.error}`;
  if (result.part === 'directory') return `directory: ${result.kb_per_replica_node_b} KB per replica on the other node, ${result.kb_per_local_session_node_a} KB per local session, Redis ${result.redis_bytes_per_session} B per session, ${result.redis_publish_per_sign_in} publish per sign-in`;
  const steps = result.steps.map((s) => `${s.deliveries_per_s}/s ${s.cpu_us_per_delivery}µs (cores: ${processShares(s)} loadgen ${s.loadgen_cpu})${s.redis ? ` pub/msg ${s.redis_publish_per_message} cmd/msg ${s.redis_commands_per_message} redis ${s.redis_cpu_us_per_delivery}µs` : ''}${s.kept_up ? '' : ' (saturated)'}`);
  return `${result.part} ${result.variant ?? result.case}: ${steps.join('; ')}`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dir = path.join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `cluster-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.jsonl`);
  stopOnSignals(log, () => ({ stop: stopAll }));
  const redis = await tracked(() => startPrivateRedis());
  const summaries = [];
  const run = async (label, work) => {
    log(`${label} …`);
    try {
      for (const result of [await work()].flat()) {
        record(out, result);
        summaries.push(summarise(result));
        log(summaries.at(-1));
      }
    } catch (error) {
      const failed = { part: label, error: error instanceof Error ? error.message : String(error) };
      record(out, failed);
      summaries.push(summarise(failed));
      process.exitCode = 1;
    }
  };
  try {
    for (let r = 0; r < options.rounds; r++) {
      if (options.only === null || options.only === 'throughput') {
        // Rotating order, so that no variant always runs first on a cooler machine.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
        for (const variant of order) await run(`throughput ${variant.label}`, () => throughputRun(variant, redis, options.rates));
      }
      if (options.only === null || options.only === 'placement') await run('placement', () => placementRun(redis, r, options.placementRate));
      if (options.only === null || options.only === 'directory') await run('directory', () => directoryRun(redis));
    }
  } finally {
    await redis.stop();
  }
  log(`\n${summaries.join('\n')}\nraw lines: ${path.relative(process.cwd(), out)}`);
}

main().catch((error) => {
  log(`bench:cluster: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
