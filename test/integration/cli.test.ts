/**
 * The `palaver` command as an admin runs it: the compiled CLI in a child process.
 * `npm test` builds first (tsc); run `npx tsc -p tsconfig.json` before running this file alone.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../server/cli/errors.js';
import { parsePipedPassword, readHiddenLines, type TerminalInput } from '../../server/cli/password-input.js';
import { verifyPassword } from '../../server/sasl/scram-credentials.js';
import { canConnect, freePort } from '../helpers/server-process.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'dist', 'server', 'main.js');
const PASSWORD = 'Tr0ub4dor&3-unique-marker';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function writeConfig(dir: string, body = ''): string {
  const file = path.join(dir, 'palaver.toml');
  fs.writeFileSync(file, `[server]\ndomain = "chat.example"\ndata_dir = "data"\n\n[sasl]\nscram_iterations = 4096\n${body}`);
  return file;
}

function palaver(args: string[], options: { input?: string; cwd?: string } = {}): SpawnSyncReturns<string> {
  const result = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, PALAVER_DEBUG: '' },
  });
  if (result.error) throw result.error;
  return result;
}

/** No stack trace: no "    at foo (file:…)" lines. */
function expectNoStack(output: string): void {
  expect(output).not.toMatch(/^\s+at /m);
}

function expectNoPassword(result: SpawnSyncReturns<string>, password = PASSWORD): void {
  expect(result.stdout).not.toContain(password);
  expect(result.stderr).not.toContain(password);
}

async function passwordWorks(dataDir: string, username: string, password: string): Promise<boolean> {
  const storage = openSqliteStorage(dataDir);
  try {
    const creds = storage.accounts.getCredentials(username, 'chat.example', 'SHA-256');
    return creds !== undefined && (await verifyPassword(password, creds));
  } finally {
    storage.close();
  }
}

beforeAll(() => {
  if (!fs.existsSync(MAIN)) {
    throw new Error(`${MAIN} does not exist: build first with "npx tsc -p tsconfig.json" (npm test does this)`);
  }
});

describe('palaver --help / --version / bad command lines', () => {
  it('prints help and the version', () => {
    const help = palaver(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('adduser');
    const version = palaver(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^palaver \d+\.\d+\.\d+/);
  });

  it('refuses an unknown command or option with exit 2 and one line', () => {
    for (const args of [['frobnicate'], ['check', '--bogus'], [], ['deluser'], ['check', '--password-file', 'x']]) {
      const result = palaver(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expectNoStack(result.stderr);
    }
  });
});

describe('palaver check', () => {
  it('accepts a good config and summarises it', () => {
    const dir = tempDir();
    const file = writeConfig(dir, '\n[listen]\nc2s_direct_tls = "127.0.0.1:5223"\n');
    const result = palaver(['check', '--config', file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`configuration OK: ${file}`);
    for (const domain of ['chat.example', 'anon.chat.example', 'conference.chat.example', 'upload.chat.example']) {
      expect(result.stdout).toContain(domain);
    }
    expect(result.stdout).toContain('127.0.0.1:5222');
    expect(result.stdout).toContain('127.0.0.1:5223');
    // check writes nothing
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('uses ./palaver.toml from the working directory when --config is not given', () => {
    const dir = tempDir();
    writeConfig(dir);
    const result = palaver(['check'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^configuration OK: .*palaver\.toml$/m);
    expect(result.stdout).toContain(`accounts   chat.example`);
  });

  it('uses the embedded defaults (localhost) without any file', () => {
    const dir = tempDir();
    const result = palaver(['check'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('configuration OK');
    expect(result.stdout).toContain('localhost');
  });

  it('refuses a bad config with exit 2, naming the key, without a stack trace', () => {
    const dir = tempDir();
    const file = writeConfig(dir, '\n[muc]\nhistory_length = "lots"\n');
    const result = palaver(['check', '--config', file]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('history_length');
    expect(result.stderr).toContain('lots');
    expectNoStack(result.stderr);
  });

  it('refuses a missing config file with exit 2', () => {
    const result = palaver(['check', '--config', '/nonexistent/palaver.toml']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('/nonexistent/palaver.toml');
    expectNoStack(result.stderr);
  });

  it('refuses configured certificate files that cannot be read', () => {
    const dir = tempDir();
    const file = writeConfig(dir, '\n[tls]\ncert = "/nonexistent/cert.pem"\nkey = "/nonexistent/key.pem"\n');
    const result = palaver(['check', '--config', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('/nonexistent/cert.pem');
    expectNoStack(result.stderr);
  });
});

describe('palaver adduser / passwd / deluser', () => {
  it('creates an account from stdin with a confirmation line, and refuses a duplicate', async () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const created = palaver(['adduser', '--config', file, 'Alice@chat.example'], { input: `${PASSWORD}\n${PASSWORD}\n` });
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    expect(created.stdout).toContain('alice@chat.example');
    expectNoPassword(created);
    expect(await passwordWorks(path.join(dir, 'data'), 'alice', PASSWORD)).toBe(true);
    expect(await passwordWorks(path.join(dir, 'data'), 'alice', 'wrong')).toBe(false);

    const again = palaver(['adduser', '--config', file, 'alice@chat.example'], { input: `${PASSWORD}\n` });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('already exists');
    expectNoPassword(again);
    expectNoStack(again.stderr);
  });

  it('accepts a single line on stdin', async () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const result = palaver(['adduser', '--config', file, 'bob@chat.example'], { input: PASSWORD });
    expect(result.status).toBe(0);
    expect(await passwordWorks(path.join(dir, 'data'), 'bob', PASSWORD)).toBe(true);
  });

  it('refuses a confirmation that does not match, creating nothing', () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const result = palaver(['adduser', '--config', file, 'carol@chat.example'], { input: `${PASSWORD}\n${PASSWORD}x\n` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('passwords do not match');
    expectNoPassword(result);
    const storage = openSqliteStorage(path.join(dir, 'data'));
    try {
      expect(storage.accounts.exists('carol', 'chat.example')).toBe(false);
    } finally {
      storage.close();
    }
  });

  it('refuses an empty password', () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const result = palaver(['adduser', '--config', file, 'dave@chat.example'], { input: '\n' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/password/);
  });

  it('reads the first line of --password-file', async () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const secret = path.join(dir, 'secret');
    fs.writeFileSync(secret, `${PASSWORD}\nignored second line\n`);
    const result = palaver(['adduser', '--config', file, '--password-file', secret, 'erin@chat.example'], { input: 'not this\n' });
    expect(result.status).toBe(0);
    expectNoPassword(result);
    expect(await passwordWorks(path.join(dir, 'data'), 'erin', PASSWORD)).toBe(true);

    const missing = palaver(['adduser', '--config', file, '--password-file', path.join(dir, 'nope'), 'frank@chat.example']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('nope');
    expectNoStack(missing.stderr);
  });

  it('changes a password with passwd, and refuses passwd for a missing account', async () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const dataDir = path.join(dir, 'data');
    expect(palaver(['adduser', '--config', file, 'gina@chat.example'], { input: 'first-password\n' }).status).toBe(0);
    const changed = palaver(['passwd', '--config', file, 'gina@chat.example'], { input: `${PASSWORD}\n${PASSWORD}\n` });
    expect(changed.status).toBe(0);
    expectNoPassword(changed);
    expect(await passwordWorks(dataDir, 'gina', PASSWORD)).toBe(true);
    expect(await passwordWorks(dataDir, 'gina', 'first-password')).toBe(false);

    const missing = palaver(['passwd', '--config', file, 'nobody@chat.example'], { input: `${PASSWORD}\n` });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('nobody@chat.example');
    expect(missing.stderr).toContain('does not exist');
    expectNoPassword(missing);
  });

  it('deletes an account and its data with deluser', () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const dataDir = path.join(dir, 'data');
    expect(palaver(['adduser', '--config', file, 'hank@chat.example'], { input: `${PASSWORD}\n` }).status).toBe(0);
    const storage = openSqliteStorage(dataDir);
    storage.rosters.putItem('hank@chat.example', { jid: 'ivy@chat.example', subscription: 'both', groups: [] });
    storage.close();

    const deleted = palaver(['deluser', '--config', file, 'hank@chat.example']);
    expect(deleted.status).toBe(0);
    expect(deleted.stdout).toContain('hank@chat.example');
    const after = openSqliteStorage(dataDir);
    try {
      expect(after.accounts.exists('hank', 'chat.example')).toBe(false);
      expect(after.rosters.get('hank@chat.example').items).toEqual([]);
    } finally {
      after.close();
    }

    const again = palaver(['deluser', '--config', file, 'hank@chat.example']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('does not exist');
  });

  it('refuses JIDs outside the account domain, and malformed JIDs, before asking for a password', () => {
    const dir = tempDir();
    const file = writeConfig(dir);
    const cases: [string, RegExp][] = [
      ['guest@anon.chat.example', /anonymous/],
      ['room@conference.chat.example', /chat\.example/],
      ['someone@elsewhere.example', /chat\.example/],
      ['chat.example', /user name/],
      ['alice@chat.example/phone', /resource/],
      ['a@b@', /not a valid JID/],
    ];
    for (const [jid, message] of cases) {
      const result = palaver(['adduser', '--config', file, jid], { input: `${PASSWORD}\n` });
      expect(result.status, jid).toBe(2);
      expect(result.stderr, jid).toMatch(message);
      expect(result.stderr.trim().split('\n'), jid).toHaveLength(1);
      expectNoPassword(result);
      expectNoStack(result.stderr);
    }
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });
});

describe('password input', () => {
  it('parses piped stdin: one line, or a line and its confirmation', () => {
    expect(parsePipedPassword('pw')).toBe('pw');
    expect(parsePipedPassword('pw\n')).toBe('pw');
    expect(parsePipedPassword('pw\r\npw\r\n')).toBe('pw');
    expect(parsePipedPassword('pw\npw\n\n')).toBe('pw');
    expect(() => parsePipedPassword('pw\npx\n')).toThrow('passwords do not match');
    expect(() => parsePipedPassword('')).toThrow(CliError);
    expect(() => parsePipedPassword('a\na\na\n')).toThrow(/more than two lines/);
  });

  function fakeTerminal() {
    const input = new PassThrough() as PassThrough & TerminalInput;
    const modes: boolean[] = [];
    input.isTTY = true;
    input.isRaw = false;
    input.setRawMode = (mode: boolean) => { modes.push(mode); input.isRaw = mode; return input; };
    let written = '';
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => { written += chunk.toString(); });
    return { input, output, modes, written: () => written };
  }

  it('reads hidden lines on a terminal: no echo, backspace, escape sequences, typed-ahead text', async () => {
    const t = fakeTerminal();
    const result = readHiddenLines(t.input, t.output, ['Password: ', 'Again: ']);
    t.input.write('sexx\x7f\x7fcr\x1b[Det');
    t.input.write('\rsecret\r');
    expect(await result).toEqual(['secret', 'secret']);
    await new Promise((r) => setImmediate(r));
    expect(t.written()).toContain('Password: ');
    expect(t.written()).toContain('Again: ');
    expect(t.written()).not.toContain('secret');
    expect(t.modes).toEqual([true, false]);
  });

  it('aborts on Ctrl-C and restores the terminal', async () => {
    const t = fakeTerminal();
    const result = readHiddenLines(t.input, t.output, ['Password: ']);
    t.input.write('abc\x03');
    await expect(result).rejects.toMatchObject({ message: 'aborted', exitCode: 130 });
    expect(t.modes).toEqual([true, false]);
  });
});

describe('palaver start', () => {
  it('listens, and stops with exit 0 on SIGTERM', async () => {
    const dir = tempDir();
    const c2s = await freePort();
    const http = await freePort();
    const file = writeConfig(dir, `\n[listen]\nc2s = "127.0.0.1:${c2s}"\nhttp = "127.0.0.1:${http}"\n\n[log]\nlevel = "warn"\n`);
    const child = spawn(process.execPath, [MAIN, 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Stops early when the process exits: then it never listens.
      const up = async () => child.exitCode === null && (await canConnect(c2s));
      await expect.poll(async () => (await up()) || child.exitCode !== null, { timeout: 10_000, interval: 100 }).toBe(true);
      expect(await up(), `server did not listen; stderr: ${stderr}`).toBe(true);
      const stopAt = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(10_000);
      expect(await canConnect(c2s)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('reports a port in use clearly, with exit 1 and no stack trace', async () => {
    const dir = tempDir();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const http = await freePort();
    try {
      const file = writeConfig(dir, `\n[listen]\nc2s = "127.0.0.1:${port}"\nhttp = "127.0.0.1:${http}"\n\n[log]\nlevel = "silent"\n`);
      const result = palaver(['start', '--config', file]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`127.0.0.1:${port}`);
      expect(result.stderr).toContain('already in use');
      expectNoStack(result.stderr);
    } finally {
      blocker.close();
    }
  });

  it('refuses a bad config with exit 2 before starting anything', () => {
    const dir = tempDir();
    const file = writeConfig(dir, '\n[listen]\nc2s = "nowhere"\n');
    const result = palaver(['start', '--config', file]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('c2s');
    expectNoStack(result.stderr);
  });
});
