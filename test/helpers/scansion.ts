import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Prosody's scansion conformance suite lives in shared/, beside this repository's clone
 * (`../shared/conformance/scansion`), or where PALAVER_SCANSION_DIR says. Its runner is
 * run directly with this project's own saxes, so nothing is installed into shared/.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCANSION_DIR = process.env.PALAVER_SCANSION_DIR ?? path.resolve(repoRoot, '../shared/conformance/scansion');
const RUNNER = path.join(SCANSION_DIR, 'runner.js');

export const scansionAvailable = fs.existsSync(RUNNER);

if (!scansionAvailable && process.env.CI) {
  throw new Error(`the scansion conformance runner is missing: ${RUNNER}`);
}

/** Runs one script against a server on 127.0.0.1:port; resolves with the runner's whole output. */
export function runScansion(port: number, script: string): Promise<string> {
  const file = path.join(SCANSION_DIR, 'scripts', `${script}.scs`);
  const args = [RUNNER, '--host', '127.0.0.1', '--port', String(port), '--timeout', '5', file];
  const env = { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules') };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 120_000, env }, (_error, stdout, stderr) => {
      resolve(`${stdout}${stderr}`);
    });
  });
}

/** True when the runner reported the script as passed. */
export function scansionPassed(output: string, script: string): boolean {
  return output.split('\n').some((line) => line.startsWith(`PASS ${script} `) || line.startsWith(`PASS ${script}.scs`) || line === `PASS ${script}`);
}
