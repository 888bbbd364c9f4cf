import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The layer rules themselves, with the reasons, are in .dependency-cruiser.cjs.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const run = promisify(execFile);

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** The rule violations dependency-cruiser finds in `dir`/server, as "rule: from → to". */
async function violationsIn(dir: string): Promise<string[]> {
  // depcruise exits non-zero when it finds violations; its JSON is on stdout either way.
  const { stdout } = await run(DEPCRUISE, ['server', '--config', CONFIG, '--output-type', 'json'], { cwd: dir, maxBuffer: 64 << 20 })
    .catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const result = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

const fixtures: string[] = [];
afterAll(async () => {
  await Promise.all(fixtures.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A throwaway tree of server/ files (path → source) with the project's tsconfig. */
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'palaver-layers-'));
  fixtures.push(dir);
  await fs.copyFile(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  for (const [file, source] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), source);
  }
  return dir;
}

describe('layers', () => {
  it('server/ has no import that runs up the layers and no import cycle', async () => {
    expect(await violationsIn(ROOT)).toEqual([]);
  }, 60_000);

  it('the rules catch an upward import, a runtime import of storage in core, and a cycle', async () => {
    const dir = await fixture({
      'server/http/app.ts': 'export const app = 1;\n',
      'server/core/router.ts': "import { app } from '../http/app.js';\nimport { open } from '../storage/sqlite/index.js';\nexport const r = app + open;\n",
      'server/storage/sqlite/index.ts': 'export const open = 1;\n',
      'server/transports/a.ts': "import { b } from './b.js';\nexport const a = 1 + b;\n",
      'server/transports/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const found = await violationsIn(dir);
    expect(found).toContain('layer-core: server/core/router.ts → server/http/app.ts');
    expect(found).toContain('core-types-only: server/core/router.ts → server/storage/sqlite/index.ts');
    expect(found).toContain('no-circular: server/transports/a.ts → server/transports/b.ts');
  }, 60_000);
});
