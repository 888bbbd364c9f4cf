#!/usr/bin/env node
/**
 * `npm run bench:compare` (as root): Palaver, Prosody and ejabberd side by side.
 *
 * Installs Debian's prosody and ejabberd when missing (apt-get update; apt-get install -y),
 * makes sure neither runs as a system service, then for every case and round starts a fresh
 * instance of each server pinned to CPU 0 (`taskset -c 0`), warms it up with a few hundred
 * logins, runs the scenario with the load generator pinned to CPU 1, and stops it. The
 * order of the servers rotates from round to round. Results go to
 * bench/results/compare-<date>.jsonl and, as a table with ratios, to bench/RESULTS.md
 * (between the COMPARE markers; the rest of the file is kept).
 *
 *   node bench/compare.mjs [--rounds N] [--servers palaver,prosody,ejabberd]
 *                          [--cases login-tcp,idle-ws-1k,…] [--quick] [--no-install]
 *                          [--merge bench/results/compare-….jsonl]
 *
 * --merge renders the table from an earlier run's lines too, for every case (and server)
 * this run did not measure: a failed case can be re-run alone and the table kept whole.
 * --render rewrites the table from the --merge files alone, running nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, runScenario, stopOnSignals } from './lib/orchestrate.mjs';
import { startPalaver } from './servers/palaver.mjs';
import { startProsody } from './servers/prosody.mjs';
import { startEjabberd } from './servers/ejabberd.mjs';
import { pidAlive } from './servers/process.mjs';
import { renderComparison } from './lib/report.mjs';

const SERVER_CPU = 0;
const LOADGEN_CPU = 1;
/**
 * Servers and load generator run at this nice value, ahead of whatever else shares the
 * machine (test suites, browsers): the same for all three servers.
 */
const NICE = -10;

const STARTERS = { palaver: startPalaver, prosody: startProsody, ejabberd: startEjabberd };

/**
 * Every case: a scenario with its parameters. `quick` ones form --quick; `optional` ones run
 * only when named in --cases (they would push the whole run past 20 minutes).
 */
export const CASES = [
  { id: 'login-tcp', scenario: 'login', params: { transport: 'tcp', clients: 2000, concurrency: 100 }, quick: true },
  { id: 'login-ws', scenario: 'login', params: { transport: 'ws', clients: 2000, concurrency: 100 }, quick: true },
  { id: 'login-bosh', scenario: 'login', params: { transport: 'bosh', clients: 1000, concurrency: 50 } },
  { id: 'idle-ws-1k', scenario: 'idle', params: { transport: 'ws', clients: 1000, concurrency: 100 }, quick: true },
  { id: 'idle-ws-5k', scenario: 'idle', params: { transport: 'ws', clients: 5000, concurrency: 100 } },
  { id: 'idle-tcp-5k', scenario: 'idle', params: { transport: 'tcp', clients: 5000, concurrency: 100 }, optional: true },
  { id: 'idle-ws-10k', scenario: 'idle', params: { transport: 'ws', clients: 10000, concurrency: 100 }, optional: true },
  {
    id: 'fanout', scenario: 'muc-fanout', quick: true,
    params: { transport: 'tcp', rooms: 4, occupants: 50, senders: 8, rates: '5000,10000,20000,40000,60000,80000', duration_s: 5, drain_s: 5 },
  },
  { id: 'muc-500', scenario: 'muc-large', params: { transport: 'tcp', occupants: 500, concurrency: 50, messages: 20 } },
  { id: 'history', scenario: 'history', params: { transport: 'tcp', archived: 200, joins: 20 }, quick: true },
];

/** Logins before each measured run, so that every server's lazy loading and JIT are done. */
const WARMUP = { clients: 300, concurrency: 50 };

function parseArgs(argv) {
  const options = { rounds: 2, servers: Object.keys(STARTERS), cases: null, quick: false, install: true, merge: [], render: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else if (arg === '--servers') options.servers = argv[++i].split(',');
    else if (arg === '--cases') options.cases = new Set(argv[++i].split(','));
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--no-install') options.install = false;
    else if (arg === '--merge') options.merge.push(argv[++i]);
    else if (arg === '--render') options.render = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  for (const name of options.servers) if (!STARTERS[name]) throw new Error(`unknown server ${name}`);
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new Error('--rounds needs a whole number ≥ 1');
  return options;
}

function sh(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** Debian's packages, installed when missing. */
function ensurePackages(servers, install) {
  const wanted = servers.filter((s) => s !== 'palaver');
  const missing = wanted.filter((name) => {
    try {
      return !sh('dpkg-query', ['-W', '-f=${Status}', name]).includes('install ok installed');
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  if (!install) throw new Error(`not installed: ${missing.join(', ')} (run without --no-install, as root)`);
  process.stderr.write(`installing ${missing.join(' ')} …\n`);
  sh('apt-get', ['update'], { stdio: 'inherit' });
  sh('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Stops a system-service instance the package may have started (it would hold memory and CPU). */
function stopSystemServices(servers) {
  if (servers.includes('prosody')) {
    const pidFile = '/run/prosody/prosody.pid';
    if (existsSync(pidFile) && pidAlive(Number(readFileSync(pidFile, 'utf8').trim()))) {
      process.stderr.write('stopping the system Prosody (prosodyctl stop)\n');
      try { sh('prosodyctl', ['stop']); } catch (error) { process.stderr.write(`prosodyctl stop: ${error.message}\n`); }
    }
  }
  if (servers.includes('ejabberd')) {
    const pidFile = '/run/ejabberd/ejabberd.pid';
    if (existsSync(pidFile) && pidAlive(Number(readFileSync(pidFile, 'utf8').trim()))) {
      process.stderr.write('stopping the system ejabberd (ejabberdctl stop)\n');
      try { sh('ejabberdctl', ['stop']); } catch (error) { process.stderr.write(`ejabberdctl stop: ${error.message}\n`); }
    }
  }
}

function versions() {
  const get = (fn) => { try { return fn().trim(); } catch { return 'unknown'; } };
  return {
    node: process.version,
    palaver: JSON.parse(readFileSync(path.join(BENCH_DIR, '..', 'package.json'), 'utf8')).version,
    prosody: get(() => sh('dpkg-query', ['-W', '-f=${Version}', 'prosody'])),
    ejabberd: get(() => sh('dpkg-query', ['-W', '-f=${Version}', 'ejabberd'])),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    kernel: os.release(),
    palaver_build: process.env.PALAVER_ROOT ? `snapshot build in ${process.env.PALAVER_ROOT}` : 'dist/ of this checkout',
    palaver_commit: get(() => sh('git', ['-C', path.join(BENCH_DIR, '..'), 'rev-parse', '--short', 'HEAD'])),
    palaver_tree_dirty: get(() => (sh('git', ['-C', path.join(BENCH_DIR, '..'), 'status', '--porcelain', '--', 'server']).length > 0 ? 'yes' : 'no')),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.render) return renderOnly(options.merge);
  if (process.getuid?.() !== 0) throw new Error('run as root: the servers run as their own users (setpriv) and apt-get may install them');
  if (os.cpus().length < 2) throw new Error('needs two CPUs: one for the server, one for the load generator');
  ensurePackages(options.servers, options.install);
  stopSystemServices(options.servers);
  const cases = CASES.filter((c) => (options.cases ? options.cases.has(c.id) : !c.optional && (!options.quick || c.quick)));
  if (options.cases) for (const id of options.cases) if (!CASES.some((c) => c.id === id)) throw new Error(`unknown case ${id}`);
  const date = new Date().toISOString();
  const resultsDir = path.join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonl = path.join(resultsDir, `compare-${date.slice(0, 19).replace(/:/g, '-')}.jsonl`);
  const command = `node bench/compare.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const meta = { date, command, rounds: options.rounds, versions: versions(), server_cpu: SERVER_CPU, loadgen_cpu: LOADGEN_CPU, nice: NICE };
  appendFileSync(jsonl, `${JSON.stringify({ meta })}\n`);
  const log = (message) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
  const started = performance.now();
  const results = [];
  let underTest = null;
  stopOnSignals(log, () => underTest);

  for (let round = 0; round < options.rounds; round++) {
    for (const [caseIndex, spec] of cases.entries()) {
      // Rotate who goes first, per case and per round.
      const shift = (round + caseIndex) % options.servers.length;
      const order = [...options.servers.slice(shift), ...options.servers.slice(0, shift)];
      for (const name of order) {
        log(`round ${round + 1} ${spec.id} ${name}`);
        let server = null;
        let result;
        // Anything else busy on the machine skews the figures; keep the evidence with them.
        const loadBefore = os.loadavg()[0];
        try {
          server = await STARTERS[name]({ wrap: ['nice', '-n', String(NICE), 'taskset', '-c', String(SERVER_CPU)] });
          underTest = server;
          const warm = await runScenario(server, 'login', { transport: spec.params.transport, ...WARMUP }, { cpu: LOADGEN_CPU, nice: NICE, timeLimitS: 60 });
          if (warm.error) throw new Error(`warm-up failed: ${warm.error}`);
          result = await runScenario(server, spec.scenario, spec.params, { cpu: LOADGEN_CPU, nice: NICE, timeLimitS: 240 });
          result.open_files_limit = server.openFiles ?? null;
        } catch (error) {
          result = { scenario: spec.scenario, server: name, transport: spec.params.transport, error: error instanceof Error ? error.message : String(error) };
        } finally {
          if (server) await server.stop();
          underTest = null;
        }
        result.case = spec.id;
        result.round = round + 1;
        result.loadavg_1m = { before: Number(loadBefore.toFixed(2)), after: Number(os.loadavg()[0].toFixed(2)) };
        results.push(result);
        appendFileSync(jsonl, `${JSON.stringify(result)}\n`);
        log(result.error ? `  error: ${result.error}` : '  ok');
      }
    }
  }

  meta.seconds = Math.round((performance.now() - started) / 1000);
  appendFileSync(jsonl, `${JSON.stringify({ done: { seconds: meta.seconds } })}\n`);
  writeReport(meta, results, [path.relative(path.join(BENCH_DIR, '..'), jsonl)], options.merge);
  log(`done in ${meta.seconds} s; results in ${jsonl} and bench/RESULTS.md`);
}

function readLines(file) {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/**
 * --render: the table from earlier runs' lines, files oldest first; a later file's
 * case/server pairs replace an earlier one's (a re-run of a case that failed). The first
 * file's meta heads the table; the later files' commands are listed with it.
 */
function renderOnly(files) {
  if (files.length === 0) throw new Error('--render needs at least one --merge FILE');
  const runs = files.map(readLines);
  const meta = runs[0].find((r) => r.meta)?.meta;
  if (!meta) throw new Error(`${files[0]} has no meta line`);
  meta.seconds = runs[0].find((r) => r.done)?.done.seconds ?? 'unrecorded';
  meta.also = runs.slice(1).map((lines) => lines.find((r) => r.meta)?.meta?.command).filter(Boolean);
  const results = [];
  const seen = new Set();
  for (const lines of [...runs].reverse()) {
    const fresh = lines.filter((r) => !r.meta && !r.done && !seen.has(`${r.case}/${r.server}`));
    for (const r of fresh) results.push(r);
    for (const r of fresh) seen.add(`${r.case}/${r.server}`);
  }
  writeReport(meta, results, [...files], []);
}

/** Merges earlier lines (for case/server pairs not measured here) and writes bench/RESULTS.md. */
function writeReport(meta, results, sources, mergeFiles) {
  for (const file of mergeFiles) {
    const earlier = readLines(file).filter((r) => !r.meta && !r.done);
    const measured = new Set(results.map((r) => `${r.case}/${r.server}`));
    results.push(...earlier.filter((r) => !measured.has(`${r.case}/${r.server}`)));
    sources.push(file);
  }
  const order = (r) => CASES.findIndex((c) => c.id === r.case);
  results.sort((a, b) => order(a) - order(b));
  const report = renderComparison(meta, results, sources.join('`, `'));
  const resultsMd = path.join(BENCH_DIR, 'RESULTS.md');
  const begin = '<!-- COMPARE:BEGIN (written by bench/compare.mjs) -->';
  const end = '<!-- COMPARE:END -->';
  const current = existsSync(resultsMd) ? readFileSync(resultsMd, 'utf8') : '# Benchmark results\n\n';
  const block = `${begin}\n${report}\n${end}`;
  const next = current.includes(begin) && current.includes(end)
    ? current.slice(0, current.indexOf(begin)) + block + current.slice(current.indexOf(end) + end.length)
    : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(resultsMd, next);
}

main().catch((error) => {
  process.stderr.write(`bench:compare: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
