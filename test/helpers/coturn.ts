/**
 * Debian's coturn (/usr/bin/turnserver, package `coturn`) on loopback for the calls tests:
 * REST-API credentials (use-auth-secret) under a shared secret, UDP and TCP on a free port,
 * no TLS, relays on 127.0.0.1, everything it writes in a temp dir. Fails loudly when missing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './server-process.js';

export const TURNSERVER = process.env.PALAVER_TEST_TURNSERVER ?? '/usr/bin/turnserver';

export interface Coturn {
  port: number;
  realm: string;
  /** What coturn logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** `extraArgs`: more turnserver options (the browser tests need --allow-loopback-peers: both relays are on 127.0.0.1). */
export async function startCoturn(secret: string, realm = 'palaver.test', extraArgs: string[] = []): Promise<Coturn> {
  if (!fs.existsSync(TURNSERVER)) throw new Error(`coturn is not installed at ${TURNSERVER}: apt-get install coturn (as .ci/run does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-coturn-'));
  const port = await freePort();
  const relayBase = 40_000 + Math.floor(Math.random() * 200) * 100;
  let output = '';
  const child = spawn(TURNSERVER, [
    '-n', '--no-cli', '--no-tls', '--no-dtls', '--simple-log', '--log-file=stdout',
    '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${relayBase}`, `--max-port=${relayBase + 99}`,
    '--use-auth-secret', `--static-auth-secret=${secret}`, `--realm=${realm}`,
    `--pidfile=${path.join(dir, 'turnserver.pid')}`, `--userdb=${path.join(dir, 'turndb')}`, ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  // Then the listeners are open; the client resends until answered anyway (UDP).
  while (!/Total General servers/.test(output)) {
    if (child.exitCode !== null) throw new Error(`turnserver exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`turnserver did not start within 10 s: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    realm,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
