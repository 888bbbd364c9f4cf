#!/usr/bin/env node
/**
 * Runs one scenario against a running server and prints one JSON line with its results.
 *
 *   node bench/run.mjs <login|idle|muc-fanout|muc-large|history> [options] [scenario params]
 *
 * Options: --server LABEL  --pid PID (server process to measure)  --host 127.0.0.1
 *          --transport tcp|ws|bosh  --c2s-port N  --http-port N  --domain anon.localhost
 *          --muc conference.localhost  --ws-path /xmpp-websocket  --bosh-path /http-bind
 *          --host-header NAME  --starttls  --time-limit-s N
 * Scenario params are the keys of the scenario's `defaults`, e.g. --clients 2000.
 * Progress goes to stderr; stdout carries only the JSON line.
 */
import { isIP } from 'node:net';
import * as login from './scenarios/login.mjs';
import * as idle from './scenarios/idle.mjs';
import * as mucFanout from './scenarios/muc-fanout.mjs';
import * as mucLarge from './scenarios/muc-large.mjs';
import * as history from './scenarios/history.mjs';

const SCENARIOS = { login, idle, 'muc-fanout': mucFanout, 'muc-large': mucLarge, history };

const OPTION_DEFAULTS = {
  server: 'server',
  pid: '',
  host: '127.0.0.1',
  transport: 'tcp',
  'c2s-port': '5222',
  'http-port': '5280',
  domain: 'anon.localhost',
  muc: 'conference.localhost',
  'ws-path': '/xmpp-websocket',
  'bosh-path': '/http-bind',
  'host-header': '',
  starttls: false,
  'time-limit-s': '300',
};

function parseArgs(argv) {
  const [scenario, ...rest] = argv;
  const values = {};
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const key = arg.slice(2);
    if (key === 'starttls') {
      values[key] = true;
    } else {
      if (i + 1 >= rest.length) throw new Error(`${arg} needs a value`);
      values[key] = rest[++i];
    }
  }
  return { scenario, values };
}

function isLoopback(host) {
  return host === 'localhost' || (isIP(host) === 4 && host.startsWith('127.')) || host === '::1';
}

async function main() {
  const { scenario: name, values } = parseArgs(process.argv.slice(2));
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`usage: run.mjs <${Object.keys(SCENARIOS).join('|')}> [options]`);
  const options = { ...OPTION_DEFAULTS };
  const params = { ...scenario.defaults };
  for (const [key, value] of Object.entries(values)) {
    const param = key.replace(/-/g, '_');
    if (key in options) options[key] = value;
    else if (param in params) params[param] = typeof params[param] === 'number' ? Number(value) : value;
    else throw new Error(`unknown option --${key} for ${name}`);
    if (param in params && typeof params[param] === 'number' && !Number.isFinite(params[param])) throw new Error(`--${key} needs a number`);
  }
  if (!isLoopback(options.host)) throw new Error('the load generator only talks to loopback servers');
  const transport = options.transport;
  if (!['tcp', 'ws', 'bosh'].includes(transport)) throw new Error(`--transport: tcp, ws or bosh, not ${transport}`);
  const ctx = {
    server: options.server,
    pid: options.pid === '' ? null : Number(options.pid),
    muc: options.muc,
    deadline: performance.now() + Number(options['time-limit-s']) * 1000,
    log: (message) => process.stderr.write(`[${name}] ${message}\n`),
    client: {
      transport,
      host: options.host,
      port: Number(transport === 'tcp' ? options['c2s-port'] : options['http-port']),
      domain: options.domain,
      path: transport === 'ws' ? options['ws-path'] : transport === 'bosh' ? options['bosh-path'] : undefined,
      hostHeader: options['host-header'] || undefined,
      starttls: options.starttls === true,
    },
  };
  // A hard stop past the time limit, whatever a scenario is waiting for.
  const hardStop = setTimeout(() => {
    print({ scenario: name, server: ctx.server, transport, error: 'hard time limit reached' });
    process.exit(2);
  }, Number(options['time-limit-s']) * 1000 + 60_000);
  hardStop.unref();
  const base = { scenario: name, server: ctx.server, transport };
  try {
    const result = await scenario.run(ctx, params);
    print({ ...base, ...result });
  } catch (error) {
    print({ ...base, params, error: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  }
  clearTimeout(hardStop);
  // Keep-alive BOSH sockets and stray timers must not hold the process open.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
}

function print(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(64);
});
