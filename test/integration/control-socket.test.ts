/**
 * The control socket's own rules, in process: one server per data_dir, a path too long for a
 * Unix socket, and a connection that sends nothing.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { askRunningServer } from '../../server/cli/control-client.js';
import { CONTROL_TIMEOUT_MS, controlSocketPath } from '../../server/startup/control-socket.js';

const running: TestServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

async function start(dataDir?: string, lines: string[] = []): Promise<TestServer> {
  const server = await startTestServer({ log: { level: 'warn' } }, { dataDir, logTo: { write: (line: string) => { lines.push(line); } } });
  running.push(server);
  return server;
}

describe('the control socket', () => {
  it('a second server on the same data_dir opens none and says why; the first keeps answering', async () => {
    const first = await start();
    const lines: string[] = [];
    await start(first.dataDir, lines);
    expect(lines.join('')).toContain('another Palaver server is running on this data_dir');
    const outcome = await askRunningServer(first.dataDir, { command: 'rooms.list' });
    expect(outcome).toEqual({ running: true, result: [] });
  });

  it('a data_dir too deep for a Unix socket path gets none, with a warning, and the server runs', async () => {
    const deep = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-deep-')), 'a'.repeat(60), 'b'.repeat(40));
    fs.mkdirSync(deep, { recursive: true });
    const lines: string[] = [];
    const server = await start(deep, lines);
    expect(lines.join('')).toContain('the data_dir path is too long for a Unix socket');
    expect(fs.existsSync(controlSocketPath(deep))).toBe(false);
    expect(server.c2sPort).toBeGreaterThan(0);
    expect(await askRunningServer(deep, { command: 'rooms.list' })).toEqual({ running: false, staleSocket: false });
  });

  it('closes a connection that sends no request in time', async () => {
    const server = await start();
    const socket = net.connect(controlSocketPath(server.dataDir));
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => { text += chunk.toString(); });
      socket.on('error', () => {});
      socket.on('close', () => resolve(text));
    });
    expect(answer).toBe('');
    expect(Date.now() - started).toBeGreaterThanOrEqual(CONTROL_TIMEOUT_MS - 100);
  }, 20_000);

  it('is removed when the server stops', async () => {
    const server = await start();
    const socket = controlSocketPath(server.dataDir);
    expect(fs.existsSync(socket)).toBe(true);
    await running.pop()!.stop();
    expect(fs.existsSync(socket)).toBe(false);
  });
});
