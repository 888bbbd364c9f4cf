/**
 * The log as an admin sees it: JSON when stdout is a pipe or a file, readable lines on a
 * terminal (a real pseudo-terminal, through util-linux `script`), and the start line saying
 * which URL to open and what Gajim users sign in with. Needs dist/ (npx tsc).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, lobbyConfig, MAIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const running: ServerProcess[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('the log', () => {
  it('is JSON on a pipe, and its start line names the page to open and the address for Gajim', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-log-'));
    const server = await startServerProcess(dir, lobbyConfig('info'));
    running.push(server);
    await expect.poll(() => server.stdout.includes('Palaver is listening')).toBe(true);
    const start = server.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => String(entry.msg).startsWith('Palaver is listening'));
    expect(start).toMatchObject({
      level: 30,
      msg: `Palaver is listening: open http://127.0.0.1:${server.httpPort}/ in a browser; `
        + `Gajim users sign in as name@localhost (host 127.0.0.1, port ${server.c2sPort}, STARTTLS)`,
      http: `127.0.0.1:${server.httpPort}`,
      certificateSha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    });
  });

  it('is readable lines on a terminal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-log-'));
    const [c2s, http] = [await freePort(), await freePort()];
    const file = path.join(dir, 'palaver.toml');
    fs.writeFileSync(file, `${lobbyConfig('info')}\n[listen]\nc2s = "127.0.0.1:${c2s}"\nhttp = "127.0.0.1:${http}"\npublic_url = "http://127.0.0.1:${http}"\n`);
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} start --config ${JSON.stringify(file)}`;
    const terminal = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    pids.push(terminal.pid!);
    let output = '';
    terminal.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise((resolve) => terminal.once('exit', resolve));
    await expect.poll(() => output.includes('Palaver is listening'), { timeout: 15_000 }).toBe(true);

    const pidFile = path.join(dir, 'data', 'palaver.pid');
    const serverPid = Number(fs.readFileSync(pidFile, 'utf8'));
    pids.push(serverPid);
    process.kill(serverPid, 'SIGTERM');
    await exited;

    const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
    const line = plain.split(/\r?\n/).find((text) => text.includes('Palaver is listening'))!;
    expect(line).toMatch(new RegExp(`^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  Palaver is listening: open http://127\\.0\\.0\\.1:${http}/ in a browser; `
      + `Gajim users sign in as name@localhost \\(host 127\\.0\\.0\\.1, port ${c2s}, STARTTLS\\)  domains=`));
    expect(output).toContain('\u001b[32mINFO \u001b[0m');
    expect(plain).not.toContain('{"level"');
  });
});
