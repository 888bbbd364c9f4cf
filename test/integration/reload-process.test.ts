/**
 * Live reload of a real `palaver start` process: SIGHUP (and `palaver reload`) after a
 * certificate renewal, and after the config file was broken. Needs dist/ (npx tsc).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { generatedCertificatePaths, loadOrCreateCertificate } from '../../server/tls/certificate.js';
import { lobbyConfig, MAIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { signIn, type RawXmpp } from '../helpers/raw-xmpp.js';
import { httpRequest } from '../helpers/http-get.js';

const running: ServerProcess[] = [];
const sockets: RawXmpp[] = [];
afterEach(async () => {
  for (const raw of sockets.splice(0)) raw.destroy();
  for (const server of running.splice(0)) await server.stop();
});

/** A fresh self-signed certificate for localhost and its domains, as PEM files in `dir`. */
async function certificateFiles(dir: string): Promise<{ cert: string; key: string; fingerprint: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const config = configFromObject({ server: { data_dir: dir } }, dir);
  const generated = await loadOrCreateCertificate(config);
  return { ...generatedCertificatePaths(config), fingerprint: generated.fingerprint };
}

function configBody(certificate: { cert: string; key: string }, title: string): string {
  return `${lobbyConfig('info')}
[tls]
cert = "${certificate.cert}"
key = "${certificate.key}"

[landing]
title = "${title}"
`.replace('[tls]\nrequire_encryption = false\n', '');
}

/** A guest over STARTTLS, in the lobby; returns the raw stream and the certificate fingerprint it saw. */
async function guestInLobby(server: ServerProcess, nick: string): Promise<{ raw: RawXmpp; fingerprint: string }> {
  const { raw } = await signIn({ port: server.c2sPort, startTls: true });
  sockets.push(raw);
  raw.write(`<presence to='lobby@conference.localhost/${nick}'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  await raw.waitFor(/<subject/);
  return { raw, fingerprint: raw.tlsSocket!.getPeerCertificate().fingerprint256 };
}

async function says(raw: RawXmpp, body: string): Promise<void> {
  const from = raw.received.length;
  raw.write(`<message to='lobby@conference.localhost' type='groupchat'><body>${body}</body></message>`);
  await raw.waitFor(new RegExp(`<body>${body}</body>`), { from });
}

async function landingTitle(server: ServerProcess): Promise<string> {
  const page = await httpRequest(`http://127.0.0.1:${server.httpPort}/`);
  return /<title>([^<]*)<\/title>/.exec(page.body)?.[1] ?? '';
}

/** Runs `palaver reload --config FILE`; resolves with its exit code and output. */
function palaverReload(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'reload', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each test starts a server process, which on a loaded machine can take most of the default 30 s.
describe('reload of a running server', { timeout: 90_000 }, () => {
  it('a renewed certificate: new TLS connections see it, a connection made before stays up and chats', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-reload-'));
    const first = await certificateFiles(path.join(dir, 'first'));
    const renewed = await certificateFiles(path.join(dir, 'renewed'));
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
    // As certbot does: the configured paths stay, the files change.
    const live = { cert: path.join(dir, 'live-cert.pem'), key: path.join(dir, 'live-key.pem') };
    fs.copyFileSync(first.cert, live.cert);
    fs.copyFileSync(first.key, live.key);
    const server = await startServerProcess(dir, configBody(live, 'Before'));
    running.push(server);

    const pidFile = path.join(dir, 'data', 'palaver.pid');
    // The pid file is written just after the listeners open, which is what startServerProcess waits for.
    await expect.poll(() => fs.existsSync(pidFile), { timeout: 5000 }).toBe(true);
    expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(String(server.child.pid));
    expect(fs.statSync(pidFile).mode & 0o777).toBe(0o600);

    const old = await guestInLobby(server, 'old');
    expect(old.fingerprint).toBe(first.fingerprint);

    fs.copyFileSync(renewed.cert, live.cert);
    fs.copyFileSync(renewed.key, live.key);
    fs.writeFileSync(path.join(dir, 'palaver.toml'), fs.readFileSync(path.join(dir, 'palaver.toml'), 'utf8').replace('title = "Before"', 'title = "After"'));
    const command = await palaverReload(path.join(dir, 'palaver.toml'));
    expect(command, command.stderr).toMatchObject({ code: 0 });
    expect(command.stdout).toContain(`pid ${server.child.pid}`);
    await expect.poll(() => server.stdout.includes('new TLS certificate in use'), { timeout: 5000 }).toBe(true);

    const fresh = await guestInLobby(server, 'fresh');
    expect(fresh.fingerprint).toBe(renewed.fingerprint);
    expect(old.raw.tlsSocket!.getPeerCertificate().fingerprint256).toBe(first.fingerprint);
    await says(old.raw, 'still-here');
    await fresh.raw.waitFor(/<body>still-here<\/body>/);
    expect(await landingTitle(server)).toBe('After');

    await server.stop();
    expect(fs.existsSync(pidFile)).toBe(false);
  });

  it('a config that no longer validates is refused: the server keeps serving with the old settings', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-reload-'));
    const certificate = await certificateFiles(path.join(dir, 'certificate'));
    const server = await startServerProcess(dir, configBody(certificate, 'Kept'));
    running.push(server);
    const before = await guestInLobby(server, 'before');

    const file = path.join(dir, 'palaver.toml');
    const broken = fs.readFileSync(file, 'utf8').replace('title = "Kept"', 'title = "Changed"\nhistory_length = "many"');
    fs.writeFileSync(file, broken.replace('[muc]\n', '[muc]\nmax_occupants = -1\n'));
    server.child.kill('SIGHUP');
    await expect.poll(() => server.stdout.includes('configuration not reloaded'), { timeout: 5000 }).toBe(true);
    const line = server.stdout.split('\n').find((entry) => entry.includes('configuration not reloaded'))!;
    expect(JSON.parse(line)).toMatchObject({ level: 50 });
    expect(line).toContain('max_occupants');

    expect(server.child.exitCode).toBeNull();
    expect(await landingTitle(server)).toBe('Kept');
    const after = await guestInLobby(server, 'after');
    expect(after.fingerprint).toBe(certificate.fingerprint);
    await says(before.raw, 'old-stream-fine');
    await after.raw.waitFor(/<body>old-stream-fine<\/body>/);
  });
});
