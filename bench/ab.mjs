#!/usr/bin/env node
/**
 * A/B of two Palaver variants (builds or settings) on one scenario: alternating fresh
 * instances pinned to CPU 0, load generator on CPU 1, a warm-up before each run. Prints
 * each run's JSON line and the medians of the key figure.
 *
 *   node bench/ab.mjs --a DIR[,noarchive] --b DIR[,noarchive] --case login-tcp|login-ws|login-bosh|fanout|fanout-10k|muc-500|history [--runs 3]
 *
 * DIR is a directory holding dist/server/main.js (a build); ",noarchive" sets
 * [muc] archive = false; ",delay=25ms" sets [muc] archive_commit_delay; ",fsync" sets
 * [muc] archive_fsync = true (builds that know these settings).
 */
import { runScenario } from './lib/orchestrate.mjs';
import { startPalaver } from './servers/palaver.mjs';

const CASES = {
  'login-tcp': { scenario: 'login', params: { transport: 'tcp', clients: 2000, concurrency: 100 }, figure: (r) => r.cpu_ms_per_login, unit: 'ms CPU per login' },
  'login-ws': { scenario: 'login', params: { transport: 'ws', clients: 2000, concurrency: 100 }, figure: (r) => r.cpu_ms_per_login, unit: 'ms CPU per login' },
  'login-bosh': { scenario: 'login', params: { transport: 'bosh', clients: 1000, concurrency: 50 }, figure: (r) => r.cpu_ms_per_login, unit: 'ms CPU per login' },
  fanout: {
    scenario: 'muc-fanout',
    params: { transport: 'tcp', rooms: 4, occupants: 50, senders: 8, rates: '40000', duration_s: 8, drain_s: 5 },
    figure: (r) => r.steps?.[0]?.cpu_us_per_delivery,
    unit: 'µs CPU per delivery at 40k/s',
  },
  // The same at 10k/s: on a machine busy with other work, 40k/s is not kept up and CPU per
  // delivery then counts work for messages still queued.
  'fanout-10k': {
    scenario: 'muc-fanout',
    params: { transport: 'tcp', rooms: 4, occupants: 50, senders: 8, rates: '10000', duration_s: 8, drain_s: 5 },
    figure: (r) => r.steps?.[0]?.cpu_us_per_delivery,
    unit: 'µs CPU per delivery at 10k/s',
  },
  'muc-500': {
    scenario: 'muc-large',
    params: { transport: 'tcp', occupants: 500, concurrency: 50, messages: 20 },
    figure: (r) => r.join_server_cpu_ms,
    unit: 'server CPU ms for 500 joins',
  },
  history: {
    scenario: 'history',
    params: { transport: 'tcp', archived: 200, joins: 20 },
    figure: (r) => r.join_ms?.p50,
    unit: 'ms join with history p50',
  },
};

function parseArgs(argv) {
  const options = { a: null, b: null, case: 'fanout', runs: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in options)) throw new Error(`unknown argument ${argv[i]}`);
    options[key] = key === 'runs' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!options.a || !options.b || !CASES[options.case]) throw new Error('usage: ab.mjs --a DIR[,noarchive] --b DIR[,noarchive] --case login-tcp|login-ws|login-bosh|fanout|fanout-10k|muc-500|history [--runs N]');
  return options;
}

const variant = (spec) => {
  const [root, ...flags] = spec.split(',');
  const delay = flags.find((flag) => flag.startsWith('delay='))?.slice('delay='.length);
  const mucExtra = [
    delay && `archive_commit_delay = ${JSON.stringify(delay)}`,
    flags.includes('fsync') && 'archive_fsync = true',
  ].filter(Boolean).join('\n');
  return { root, archive: !flags.includes('noarchive'), mucExtra, label: spec };
};

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((x, y) => x - y);
  return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)];
};

const options = parseArgs(process.argv.slice(2));
const spec = CASES[options.case];
const variants = { A: variant(options.a), B: variant(options.b) };
const figures = { A: [], B: [] };
for (let run = 0; run < options.runs; run++) {
  for (const name of run % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const v = variants[name];
    const server = await startPalaver({ wrap: ['nice', '-n', '-10', 'taskset', '-c', '0'], root: v.root, archive: v.archive, mucExtra: v.mucExtra });
    try {
      await runScenario(server, 'login', { transport: spec.params.transport, clients: 300, concurrency: 50 }, { cpu: 1, nice: -10, timeLimitS: 60 });
      const result = await runScenario(server, spec.scenario, spec.params, { cpu: 1, nice: -10, timeLimitS: 120 });
      process.stdout.write(`${JSON.stringify({ variant: name, spec: v.label, ...result })}\n`);
      figures[name].push(spec.figure(result));
    } finally {
      await server.stop();
    }
  }
}
process.stderr.write(`${spec.unit}: A (${options.a}) median ${median(figures.A)} [${figures.A.join(', ')}]; B (${options.b}) median ${median(figures.B)} [${figures.B.join(', ')}]\n`);
