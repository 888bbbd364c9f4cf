/** The compiled `palaver` command in a child process (build first: npx tsc -p tsconfig.json). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist', 'server', 'main.js');

export function palaver(args: string[], input = ''): SpawnSyncReturns<string> {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (npx tsc -p tsconfig.json)`);
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT, input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, PALAVER_DEBUG: '' },
  });
  if (result.error) throw result.error;
  return result;
}

/** A config file for the CLI with the same keys the test server gets. */
export function writeCliConfig(dir: string, dataDir: string, storage: { backend: 'sqlite' | 'postgres'; url?: string }): string {
  const file = path.join(dir, 'palaver.toml');
  fs.writeFileSync(file, [
    '[server]', 'domain = "localhost"', `data_dir = ${JSON.stringify(dataDir)}`, '',
    '[sasl]', 'scram_iterations = 4096', '',
    '[storage]', `backend = "${storage.backend}"`, `url = ${JSON.stringify(storage.url ?? '')}`, '',
  ].join('\n'));
  return file;
}
