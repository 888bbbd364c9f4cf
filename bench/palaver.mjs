#!/usr/bin/env node
/**
 * `npm run bench`: Palaver alone, at a small scale, in well under two minutes. Starts
 * `node dist/server/main.js start --config <temp config>` on fixed loopback ports
 * (c2s 15222, http 15280), runs every scenario against it, prints one JSON line per
 * scenario on stdout (a short summary on stderr), and stops it.
 *
 *   node bench/palaver.mjs                 the small run
 *   node bench/palaver.mjs --profile DIR   login (TCP, WebSocket), fan-out, the 500-occupant
 *                                          room and history on join under
 *                                          `node --cpu-prof`, one fresh server each,
 *                                          profiles written to DIR
 *   node bench/palaver.mjs --only login,history   a subset
 *
 * Build first (`npm run build`); PALAVER_ROOT points at another build's directory.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { runScenario, stopOnSignals } from './lib/orchestrate.mjs';
import { startPalaver } from './servers/palaver.mjs';

const SMALL = [
  { scenario: 'login', params: { transport: 'tcp', clients: 500, concurrency: 50 } },
  { scenario: 'login', params: { transport: 'ws', clients: 500, concurrency: 50 }, needsHttp: true },
  // Fresh servers, warmed up with 300 logins as in bench:compare, so that the one-time growth
  // of the V8 heap is not charged to the idle clients.
  { scenario: 'idle', params: { transport: 'ws', clients: 1000, concurrency: 100, settle_s: 2 }, needsHttp: true, fresh: true, warmup: true },
  { scenario: 'idle', params: { transport: 'tcp', clients: 1000, concurrency: 100, settle_s: 2 }, fresh: true, warmup: true },
  { scenario: 'muc-fanout', params: { transport: 'tcp', rooms: 2, occupants: 20, senders: 4, rates: '2000,5000,10000', duration_s: 3, drain_s: 3 } },
  { scenario: 'muc-large', params: { transport: 'tcp', occupants: 100, concurrency: 20, messages: 10 } },
  { scenario: 'history', params: { transport: 'tcp', archived: 200, joins: 5, warm_joins: 20 } },
];

const PROFILE = [
  { scenario: 'login', params: { transport: 'tcp', clients: 4000, concurrency: 100 }, fresh: true },
  { scenario: 'login', params: { transport: 'ws', clients: 4000, concurrency: 100 }, fresh: true, needsHttp: true },
  { scenario: 'muc-fanout', params: { transport: 'tcp', rooms: 4, occupants: 50, senders: 8, rates: '20000', duration_s: 10, drain_s: 5 }, fresh: true },
  { scenario: 'muc-large', params: { transport: 'tcp', occupants: 500, concurrency: 50, messages: 20 }, fresh: true },
  { scenario: 'history', params: { transport: 'tcp', archived: 200, joins: 100, warm_joins: 100 }, fresh: true },
];

function parseArgs(argv) {
  const options = { profile: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--profile') options.profile = path.resolve(argv[++i] ?? 'bench/profiles');
    else if (argv[i] === '--only') options.only = new Set((argv[++i] ?? '').split(','));
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const plan = (options.profile ? PROFILE : SMALL).filter((step) => !options.only || options.only.has(step.scenario));
  const started = performance.now();
  const log = (message) => process.stderr.write(`${message}\n`);
  let server = null;
  const results = [];
  stopOnSignals(log, () => server);
  const start = async (label) => {
    if (server) await server.stop();
    const nodeArgs = [];
    if (options.profile) {
      const dir = path.join(options.profile, label);
      mkdirSync(dir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    }
    server = await startPalaver({ nodeArgs });
    log(`palaver started (pid ${server.pid}${server.http ? '' : ', no HTTP listener'})`);
  };
  try {
    for (const step of plan) {
      if (!server || step.fresh) await start(`${step.scenario}-${step.params.transport}`);
      if (step.needsHttp && !server.http) {
        const skipped = { scenario: step.scenario, server: 'palaver', transport: step.params.transport, error: 'skipped: this build has no HTTP listener' };
        results.push(skipped);
        process.stdout.write(`${JSON.stringify(skipped)}\n`);
        continue;
      }
      if (step.warmup) await runScenario(server, 'login', { transport: step.params.transport, clients: 300, concurrency: 50 }, { timeLimitS: 30 });
      const result = await runScenario(server, step.scenario, step.params, { timeLimitS: options.profile ? 120 : 45 });
      results.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    if (server) await server.stop();
  }
  log(`\n${summary(results)}`);
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s${options.profile ? `; profiles in ${options.profile}` : ''}`);
  if (results.some((r) => r.error && !String(r.error).startsWith('skipped'))) process.exitCode = 1;
}

/** One human line per result. */
export function summary(results) {
  return results.map((r) => {
    const head = `${r.scenario} (${r.transport})`.padEnd(22);
    if (r.error) return `${head} ERROR ${r.error}`;
    switch (r.scenario) {
      case 'login':
        return `${head} ${r.ok}/${r.clients} logins, ${r.logins_per_s}/s, ${r.cpu_ms_per_login} ms CPU each, p50 ${r.latency_ms.p50} ms p99 ${r.latency_ms.p99} ms`;
      case 'idle':
        return `${head} ${r.clients} clients, ${r.kb_per_client} KB each (RSS ${r.rss_baseline_kb} → ${r.rss_loaded_kb} KB), ${r.cpu_ms_per_sign_in} ms CPU per sign-in`;
      case 'muc-fanout': {
        const steps = r.steps.map((s) => `${s.deliveries_per_s}/s at ${s.cpu_us_per_delivery} µs p99 ${s.latency_ms.p99} ms${s.kept_up ? '' : ' (saturated)'}`);
        return `${head} ${r.rooms}×${r.occupants}: ${steps.join('; ')}`;
      }
      case 'muc-large':
        return `${head} ${r.occupants} joined in ${r.join_seconds} s; messages p50 ${r.message_latency_ms.p50} ms p99 ${r.message_latency_ms.p99} ms, ${r.cpu_us_per_delivery} µs/delivery`;
      case 'history':
        return `${head} join with history: p50 ${r.join_ms.p50} ms p99 ${r.join_ms.p99} ms, after ${r.warm_joins} more joins p50 ${r.join_ms_after_warm_up.p50} ms (history ${r.history_received.min}–${r.history_received.max})`;
      default:
        return `${head} ${JSON.stringify(r)}`;
    }
  }).join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
