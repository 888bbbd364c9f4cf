/** `palaver reload` when there is nothing (or nothing alive) to signal. Needs dist/ (npx tsc). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN } from '../helpers/server-process.js';

function reload(dir: string, configBody = ''): { status: number | null; stderr: string } {
  const file = path.join(dir, 'palaver.toml');
  fs.writeFileSync(file, `[server]\ndata_dir = "data"\n${configBody}`);
  const result = spawnSync(process.execPath, [MAIN, 'reload', '--config', file], { encoding: 'utf8', timeout: 15_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('palaver reload', () => {
  it('says so when no server wrote a pid file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-reload-cli-'));
    const result = reload(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`palaver: no running server found: ${path.join(dir, 'data', 'palaver.pid')} does not exist (is Palaver running with this data_dir?)\n`);
  });

  it('says so when the pid file is left from a process that is gone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-reload-cli-'));
    fs.mkdirSync(path.join(dir, 'data'));
    // A pid above the kernel's pid_max: no process can have it, so nothing real is signalled.
    const gone = String(Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1);
    fs.writeFileSync(path.join(dir, 'data', 'palaver.pid'), `${gone}\n`);
    const result = reload(dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`process ${gone} named in`);
    expect(result.stderr).toContain('is gone');
  });

  it('checks the config first: a broken file is reported and nothing is signalled', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-reload-cli-'));
    const result = reload(dir, '[muc]\nmax_occupants = -1\n');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[muc].max_occupants: expected a whole number ≥ 1, found -1');
  });
});
