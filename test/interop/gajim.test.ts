/**
 * The real Gajim 1.7 (Debian's package) against Palaver (issue 14, "How we will know"): it signs
 * in over STARTTLS with the self-signed certificate pre-trusted, finds every server feature it
 * looks for, and auto-joins the room of a XEP-0402 bookmark stored before it started, where a
 * slixmpp occupant sees it arrive and talks to it. Screenshots go to test-artifacts/, among them
 * Gajim's own list of server features (Server Info, Features): its only crosses are in-band
 * registration (accounts come from the admin and invitations), security labels and XEP-0398
 * avatar conversion. The room is a channel with a welcome, whose first shape (from the bare room
 * JID) made Gajim 1.7.3 throw (issue 16).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult, SYSTEM_PYTHON } from '../helpers/python.js';
import { generatedCertificatePaths } from '../../server/tls/certificate.js';
import { requireDesktop, runDesktopPython, startDesktop, startGajim, giveToDesktopUser, type Desktop, type Gajim } from './gajim-desktop.js';

const python = requirePythonModules(['nbxmpp', 'slixmpp', 'gajim'], 'gajim python3-nbxmpp python3-slixmpp');
const desktop = python.available ? requireDesktop() : python;
const available = python.available && desktop.available;

/** The folder the browser tests' screenshots go to (test/e2e/browser.ts). */
const ARTIFACTS = path.resolve('test-artifacts');
const ROOM = 'gajimtest@conference.localhost';
const GAJIM_NICK = 'juliet-gajim';
const GREETING = 'Hello Gajim, this is Palaver';
const WELCOME = 'Welcome to the Gajim test room!';
/** How long the occupant waits for Gajim's arrival in the room, from Gajim's start (seconds). */
const JOIN_WAIT_S = 30;

/**
 * What Gajim's modules log when they find a server feature in disco#info
 * (gajim/common/modules/*.py, pass_disco), as they appear under --verbose.
 */
const DISCOVERIES = {
  carbons: /Discovered carbons: localhost\b/,
  mam: /Discovered MAM: juliet@localhost\b/,
  pep: /Discovered PEP support: juliet@localhost\b/,
  publishOptions: /Discovered Pubsub publish options: juliet@localhost\b/,
  blocking: /Discovered blocking: localhost\b/,
  vcard: /Discovered vcard-temp: localhost\b/,
  muc: /Discovered MUC: conference\.localhost\b/,
  httpUpload: /Discovered component: upload\.localhost\b/,
  proxy65: /Discovered proxy: proxy\.localhost\b/,
} as const;

/**
 * What Gajim complains of on a bare test desktop, none of it about the server: no Farstream for
 * calls, no desktop portal or notification daemon on the private session bus, and a room's
 * settings read by the chat list before the room's disco#info is back, and its own databases
 * being slow to commit on a busy machine.
 */
const DESKTOP_COMPLAINTS = [
  /\(W\) gajim\.c\.storage\.\w+ +\| +Execution time for \w+: \d+ ms$/,
  /\(W\) gajim +\| +AV dependency test failed/,
  /\(E\) gajim\.c\.dbus\.system_style\|.*org\.freedesktop\.portal\.Desktop/,
  /\(W\) gajim\.gtk\.notification +\| +Notifications D-Bus not available/,
  /\(W\) gajim\.c\.settings +\| +Unable to determine context for: gajimtest@conference\.localhost$/,
];

/**
 * The channel's welcome has no stanza-id on purpose (server/muc/features/channel-welcome.ts: the
 * archive does not know it, and a client catching up from it would be refused). Gajim notes it
 * for a room with MAM, and shows the message all the same.
 */
const WELCOME_WITHOUT_STANZA_ID = /\(W\) gajim\.c\.m\.message +\| +\(palaver\) gajimtest@conference\.localhost announces mam:2 without stanza-id$/;

interface RoomResult {
  error?: string;
  gajim?: { from: string; role: string; caps_node: string | null };
  echoed?: boolean;
}

describe.skipIf(!available)(available ? 'Gajim 1.7' : `Gajim 1.7 (skipped: ${desktop.reason})`, () => {
  let server: TestServer;
  let home: string;
  let screen: Desktop | undefined;
  let gajim: Gajim | undefined;
  let room: RoomResult;
  let log = '';
  let logBeforeQuit = '';
  let exitCode: number | null = null;
  let errorDialog = true;

  beforeAll(async () => {
    server = await startTestServer({
      tls: { require_encryption: true },
      proxy: { listen: '127.0.0.1:0' },
      server: { contact: { admin: ['xmpp:admin@localhost'], abuse: ['mailto:abuse@chat.example'] } },
      channels: [{ name: ROOM.split('@')[0]!, title: 'Gajim test', welcome: WELCOME }],
    });
    await addAccount(server, 'juliet', 'gajim juliet pw');
    await addAccount(server, 'romeo', 'gajim romeo pw');
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-gajim-'));

    // 1. The bookmark, stored the way Gajim stores it, before Gajim starts.
    const stored = scriptResult<{ error?: string; stored?: unknown }>(await runPythonScript('gajim_bookmark_nbxmpp.py',
      ['127.0.0.1', String(server.c2sPort), 'juliet', 'localhost', 'gajim juliet pw', ROOM, GAJIM_NICK], 30_000));
    if (stored.error) throw new Error(`storing the bookmark failed: ${stored.error}`);
    expect(stored.stored).toEqual([{ jid: ROOM, nick: GAJIM_NICK, autojoin: true }]);

    // 2. Gajim's profile: the account, and Palaver's certificate trusted.
    screen = await startDesktop(home);
    const profile = path.join(home, 'gajim');
    const certificate = path.join(home, 'palaver.pem');
    fs.copyFileSync(generatedCertificatePaths(server.server.context.config).cert, certificate);
    giveToDesktopUser(home);
    await runDesktopPython('gajim_profile.py',
      // The host is the domain (resolving to 127.0.0.1): Gajim sends its server info queries to the custom host's name.
      [profile, 'localhost', String(server.c2sPort), 'juliet', 'localhost', 'gajim juliet pw', certificate], screen.env);

    // 3. The other occupant in the room; Gajim starts once it is there.
    const occupant = startOccupant(server);
    await occupant.ready;
    gajim = startGajim(screen, profile);
    room = scriptResult<RoomResult>(await occupant.done);

    // The room's chat, opened as a user would, so that Gajim draws the welcome too.
    await gajim.activate('open-chat', ['palaver', ROOM]);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await screenshot(gajim, 'gajim-channel-welcome.png');

    // Gajim's server info window: its own list of the server features it knows of.
    await gajim.activate('palaver-server-info', 'palaver');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await screenshot(gajim, 'gajim-server-info.png');
    // Its last tab, Features: each server feature Gajim knows of, with a mark for the missing ones.
    await gajim.typeInto('^Server Info', ['ctrl+Next', 'ctrl+Next', 'ctrl+Next']);
    await screenshot(gajim, 'gajim-server-features.png');
    await gajim.typeInto('^Server Info', ['Tab', 'End']);
    await screenshot(gajim, 'gajim-server-features-end.png');
    errorDialog = await gajim.hasWindow('^Gajim - Error$');
    if (errorDialog) await screenshot(gajim, 'gajim-error.png');
    logBeforeQuit = gajim.log();
    exitCode = await gajim.quit(10_000);
    log = gajim.log();
    fs.writeFileSync(path.join(ARTIFACTS, 'gajim.log'), log);
  }, 90_000);

  afterAll(async () => {
    if (gajim) {
      await gajim.quit(5_000);
      if (!log) fs.writeFileSync(path.join(ARTIFACTS, 'gajim.log'), gajim.log());
    }
    screen?.stop();
    await server?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('Gajim signs in over STARTTLS with the pre-trusted certificate, no dialog in the way', () => {
    expect(log).toMatch(/\(palaver\) Start TLS negotiation/);
    expect(log).toMatch(/\(palaver\) Successfully authenticated with remote server/);
    expect(log).toMatch(/Raise event: signed-in/);
    expect(log).not.toMatch(/SSLErrorDialog|Certificate Verification Failed|certificate-error/i);
  });

  it('Gajim reads its bookmarks as XEP-0402 items (it finds #compat-pep and #config-node-max)', () => {
    expect(log).toMatch(/nbxmpp\.m\.nativebookmarks *\| *\(palaver\) request_bookmarks\(\)/);
    expect(log).not.toMatch(/nbxmpp\.m\.privatebookmarks *\| *\(palaver\) request_bookmarks\(\)/);
  });

  it('Gajim auto-joins the bookmarked room, and the other occupant sees it arrive', () => {
    expect(room.error).toBeUndefined();
    expect(room.gajim).toEqual({ from: `${ROOM}/${GAJIM_NICK}`, role: 'participant', caps_node: 'https://gajim.org' });
  });

  it('Gajim receives what the other occupant says in the room', () => {
    expect(room.echoed).toBe(true);
    expect(log).toContain(GREETING);
  });

  it('Gajim takes the channel\'s welcome without an error', () => {
    expect(logBeforeQuit).toContain(`from="${ROOM}/Welcome"`);
    expect(logBeforeQuit).toContain(WELCOME);
    expect(errorDialog).toBe(false);
    // The welcome is the one message of the room without a stanza-id.
    expect(logBeforeQuit.split('\n').filter((line) => WELCOME_WITHOUT_STANZA_ID.test(line))).toHaveLength(1);
  });

  it('Gajim finds carbons, MAM, PEP with publish-options, blocking, vCards, rooms, HTTP upload and the SOCKS5 proxy', () => {
    const missing = Object.entries(DISCOVERIES).filter(([, line]) => !line.test(log)).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it('Gajim logs no warning and no error about the server while it runs', () => {
    const complaints = logBeforeQuit.split('\n')
      .filter((line) => /^\S+ \S+ \((W|E|C)\)|Traceback/.test(line))
      .filter((line) => ![...DESKTOP_COMPLAINTS, WELCOME_WITHOUT_STANZA_ID].some((known) => known.test(line)));
    expect(complaints).toEqual([]);
  });

  it('Gajim quits cleanly', () => {
    expect(exitCode).toBe(0);
  });
});

/** A screenshot into test-artifacts/, once what Gajim was just asked to show has been drawn. */
async function screenshot(gajim: Gajim, name: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const file = path.join(os.tmpdir(), `palaver-${process.pid}-${name}`);
  await gajim.screenshot(file);
  fs.copyFileSync(file, path.join(ARTIFACTS, name));
  fs.rmSync(file);
}

/** gajim_room_slixmpp.py: `ready` once the occupant sits in the room, `done` with its run. */
function startOccupant(server: TestServer) {
  const child = spawn(SYSTEM_PYTHON, [path.join(path.dirname(new URL(import.meta.url).pathname), 'gajim_room_slixmpp.py'),
    '127.0.0.1', String(server.c2sPort), 'romeo@localhost', 'gajim romeo pw', ROOM, 'romeo', GAJIM_NICK, String(JOIN_WAIT_S), GREETING], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { signalReady = resolve; });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.includes('{"ready": true}')) signalReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      signalReady();
      resolve({ code, stdout, stderr });
    });
  });
  return { ready, done };
}
