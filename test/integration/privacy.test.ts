/**
 * Privacy, provable: with the default settings, a whole session from a distinctive client
 * address (127.0.0.77: guests and an account over TCP, WebSocket and BOSH, rooms with
 * messages, an upload, failed sign-ins, a ban) leaves that address nowhere: not in any log
 * line (captured at the most verbose level) and not in any file under data_dir, in any form.
 * And `palaver privacy` states what the config keeps.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { startServer, type RunningServer } from '../../server/startup/server.js';
import { privacyStatement } from '../../server/cli/privacy.js';
import { deriveAllScramCredentials } from '../../server/sasl/scram-credentials.js';
import { RawXmpp, scramAuth, signIn } from '../helpers/raw-xmpp.js';
import { RawBosh, RawWebSocket, httpRequest } from '../helpers/web.js';
import { RoomGuest } from '../helpers/room-traffic.js';
import { MAIN } from '../helpers/server-process.js';

const CLIENT = '127.0.0.77';
const OTHER_CLIENT = '127.0.0.78';
const LOBBY = 'lobby@conference.localhost';
const UPLOAD = 'urn:xmpp:http:upload:0';

/** Every way the client's address could be written down. */
const FORMS: [string, Buffer][] = [
  ['text (also inside ::ffff:127.0.0.77)', Buffer.from(CLIENT)],
  ['UTF-16 text', Buffer.from(CLIENT, 'utf16le')],
  ['mapped IPv6, hex groups (::ffff:7f00:4d)', Buffer.from('7f00:4d')],
  ['hex', Buffer.from('7f00004d')],
  ['32-bit integer, decimal', Buffer.from('2130706509')],
  ['4 bytes, network order (binary inet)', Buffer.from([127, 0, 0, 77])],
  ['4 bytes, base64', Buffer.from('fwAATQ')],
];

function formsIn(content: Buffer): string[] {
  return FORMS.filter(([, needle]) => content.includes(needle)).map(([name]) => name);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

let dataDir: string;
let server: RunningServer;
let log = '';
let c2sPort: number;
let httpUrl: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'palaver-privacy-'));
  // Defaults, except what a test needs: free loopback ports, plain TCP, an admin who can ban.
  const config = configFromObject({
    server: { data_dir: dataDir, admins: ['alice@localhost'] },
    listen: { c2s: '127.0.0.1:0', http: '127.0.0.1:0' },
    tls: { require_encryption: false },
    channels: [{ name: 'lobby' }],
  }, dataDir);
  const capture = new Writable({ write(chunk: Buffer, _encoding, done) { log += chunk.toString(); done(); } });
  server = await startServer(config, { log: pino({ level: 'trace' }, capture) });
  c2sPort = server.addresses.c2s!.port;
  httpUrl = `http://127.0.0.1:${server.addresses.http!.port}`;
  server.context.storage.accounts.create('alice', 'localhost', await deriveAllScramCredentials('alice pw', 4096));
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The first child element of the reply to an iq `id`, after waiting for it. */
async function iqReply(raw: RawXmpp, id: string): Promise<string> {
  const match = await raw.waitFor(new RegExp(`<iq [^>]*id=["']${id}["'][\\s\\S]*?(?:</iq>|/>)`));
  return match[0];
}

async function failedSignIns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const raw = await RawXmpp.connect({ port: c2sPort, localAddress: CLIENT });
    await raw.open();
    expect((await scramAuth(raw, i % 2 === 0 ? 'alice' : 'nobody', 'wrong password')).success).toBe(false);
    raw.write('</stream:stream>');
  }
}

async function webSocketGuest(): Promise<void> {
  const ws = await RawWebSocket.open(`${httpUrl.replace('http', 'ws')}/xmpp-websocket`, { localAddress: CLIENT });
  const open = `<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='anon.localhost' version='1.0'/>`;
  ws.send(open);
  await ws.waitFor((m) => m.includes('ANONYMOUS'));
  ws.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`);
  await ws.waitFor((m) => m.includes('<success'));
  const seen = ws.messages.length;
  ws.send(open);
  await ws.waitFor((m) => m.includes('bind'), seen);
  ws.send(`<iq type='set' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>`);
  await ws.waitFor((m) => m.includes("id='b1'") || m.includes('id="b1"'));
  ws.send(`<presence to='${LOBBY}/web' xmlns='jabber:client'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  await ws.waitFor((m) => m.includes('code="110"') || m.includes("code='110'"));
  ws.send(`<message to='${LOBBY}' type='groupchat' id='w1' xmlns='jabber:client'><body>hello over WebSocket</body></message>`);
  await ws.waitFor((m) => m.includes('hello over WebSocket'));
  ws.send(`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>`);
  await ws.closed;
}

async function boshGuest(): Promise<void> {
  const bosh = new RawBosh(`${httpUrl}/http-bind`, {}, CLIENT);
  await bosh.signIn();
  await bosh.send(`<presence to='${LOBBY}/bosh' xmlns='jabber:client'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
  await bosh.send(`<message to='${LOBBY}' type='groupchat' id='h1' xmlns='jabber:client'><body>hello over BOSH</body></message>`);
  await bosh.send('', { type: 'terminate' });
}

/** A guest on TCP asks for a slot, PUTs a file and GETs it back, all from CLIENT. */
async function upload(guest: RoomGuest): Promise<void> {
  guest.raw.write(`<iq type='get' id='slot1' to='upload.localhost'><request xmlns='${UPLOAD}' filename='notes.txt' size='2000' content-type='text/plain'/></iq>`);
  const reply = await iqReply(guest.raw, 'slot1');
  const put = /<put url="([^"]+)"/.exec(reply)?.[1]?.replace(/&amp;/g, '&');
  const get = /<get url="([^"]+)"/.exec(reply)?.[1]?.replace(/&amp;/g, '&');
  expect(put, reply).toBeDefined();
  const local = (url: string) => httpUrl + new URL(url).pathname + new URL(url).search;
  const body = Buffer.alloc(2000, 'a');
  const stored = await httpRequest(local(put!), { method: 'PUT', body, headers: { 'content-type': 'text/plain', 'content-length': '2000' }, localAddress: CLIENT });
  expect(stored.status).toBe(201);
  expect((await httpRequest(local(get!), { localAddress: CLIENT })).text).toBe(body.toString());
}

describe('no client address is kept by default', () => {
  it('after a full session, neither the log nor any file under data_dir holds it in any form', async () => {
    await failedSignIns(3);
    const { raw: alice } = await signIn({ port: c2sPort, localAddress: CLIENT, username: 'alice', password: 'alice pw' });
    alice.write(`<presence to='${LOBBY}/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await alice.waitFor(/code=["']110["']/);

    const guest = await RoomGuest.join(c2sPort, LOBBY, 'guest', CLIENT);
    guest.send(5);
    await guest.settle();
    const creator = await RoomGuest.join(c2sPort, 'scratch@conference.localhost', 'maker', CLIENT);
    creator.send(3);
    await creator.settle();
    await upload(guest);
    await webSocketGuest();
    await boshGuest();

    // A ban of a connected guest keeps a keyed hash of its address; it bites on CLIENT only.
    const spammer = await RoomGuest.join(c2sPort, LOBBY, 'spammer', CLIENT);
    const bare = spammer.jid.split('/')[0]!;
    alice.write(`<iq type='set' id='ban1' to='${LOBBY}'><query xmlns='http://jabber.org/protocol/muc#admin'>` +
      `<item affiliation='outcast' jid='${bare}'><reason>spam</reason></item></query></iq>`);
    expect(await iqReply(alice, 'ban1')).toMatch(/type=["']result["']/);
    const { raw: again } = await signIn({ port: c2sPort, localAddress: CLIENT });
    again.write(`<presence to='${LOBBY}/back'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    expect((await again.next('presence')).getChild('error')?.getChild('forbidden')).toBeDefined();
    const elsewhere = await RoomGuest.join(c2sPort, LOBBY, 'neighbour', OTHER_CLIENT);
    elsewhere.send(1);
    await elsewhere.settle();

    for (const client of [guest, creator, spammer, elsewhere]) client.close();
    alice.write('</stream:stream>');
    again.write('</stream:stream>');
    await server.stop();

    expect(log).toContain('Palaver stopped');
    expect(formsIn(Buffer.from(log)), 'the log').toEqual([]);
    const files = filesUnder(dataDir);
    expect(files.some((file) => file.endsWith('palaver.sqlite'))).toBe(true);
    expect(files.some((file) => file.includes(`${path.sep}uploads${path.sep}`))).toBe(true);
    const found = files.map((file) => [path.relative(dataDir, file), formsIn(fs.readFileSync(file))] as const)
      .filter(([, forms]) => forms.length > 0);
    expect(found).toEqual([]);
  }, 30_000);

  it('the search finds each form of the address where it is written', () => {
    for (const [name, needle] of FORMS) {
      expect(formsIn(Buffer.concat([Buffer.from('before '), needle, Buffer.from(' after')]))).toContain(name);
    }
    expect(formsIn(Buffer.from('::ffff:127.0.0.7 and 127.0.0.78'))).toEqual([]);
  });
});

describe('palaver privacy', () => {
  it('states, from the config, what is kept, where and for how long', () => {
    const dir = '/srv/chat';
    const statement = privacyStatement(configFromObject({
      server: { data_dir: '/srv/chat/data', domain: 'chat.example' },
      muc: { archive_expires_after: '30d' },
      upload: { expires_after: '2h', max_size: '5MiB' },
      channels: [{ name: 'lobby' }, { name: 'help' }],
      log: { level: 'warn' },
    }, dir));
    expect(statement).toContain('/srv/chat/data/palaver.sqlite');
    expect(statement).toContain('/srv/chat/data/uploads');
    expect(statement).toContain('deleted after 30 days');
    expect(statement).toContain('2 hours after the upload');
    expect(statement).toContain('up to 5MiB each');
    expect(statement).toContain('the listed channels lobby, help');
    expect(statement).toContain('level "warn"');
    expect(statement).toContain('It is not written to the server log.');
    expect(statement).toContain('keyed hash of the guest\'s network address');
    expect(statement).not.toContain('on a cluster');
    const clustered = privacyStatement(configFromObject({
      storage: { backend: 'postgres', url: 'postgres://db/palaver' }, cluster: { redis: 'redis://127.0.0.1:6379' },
    }, dir));
    expect(clustered).toContain('on a cluster, the other nodes learn a guest\'s network only as a keyed hash');

    const open = privacyStatement(configFromObject({
      muc: { archive: false, history_length: 50 },
      upload: { enabled: false },
      anonymous: { enabled: false },
      log: { ip_addresses: true },
    }, dir));
    expect(open).toContain('Room messages are not stored: the last 50 messages of a room are kept in memory only');
    expect(open).toContain('File upload is off on this server.');
    expect(open).toContain('Guest access (without an account) is off on this server.');
    expect(open).toContain('The log **includes network addresses**');
    // Nothing of rooms or uploads is kept; account holders' one-to-one archive still is.
    expect(open).not.toContain('Messages in persistent rooms that archive');
    expect(open).toContain('which only the account holder can read; they are deleted after 1 week');
  });

  it('prints the statement for the config file given, and refuses a bad one', () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'palaver-privacy-cli-'));
    try {
      fs.writeFileSync(path.join(dir, 'palaver.toml'), '[server]\ndata_dir = "kept"\n[upload]\nexpires_after = "3d"\n');
      const printed = spawnSync(process.execPath, [MAIN, 'privacy', '--config', path.join(dir, 'palaver.toml')], { encoding: 'utf8' });
      expect(printed.status).toBe(0);
      expect(printed.stdout).toContain(`${path.join(dir, 'kept', 'palaver.sqlite')}`);
      expect(printed.stdout).toContain('3 days after the upload');
      expect(fs.existsSync(path.join(dir, 'kept')), 'privacy writes nothing').toBe(false);
      fs.writeFileSync(path.join(dir, 'palaver.toml'), '[muc]\narchive_commit_delay = "5s"\n');
      const refused = spawnSync(process.execPath, [MAIN, 'privacy', '--config', path.join(dir, 'palaver.toml')], { encoding: 'utf8' });
      expect(refused.status).toBe(2);
      expect(refused.stderr).toContain('[muc].archive_commit_delay');
      expect(refused.stderr).toContain('must be at most 1s');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('for the defaults is docs/privacy.md, word for word', () => {
    const docs = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/privacy.md'), 'utf8');
    const statement = privacyStatement(configFromObject({}, '/palaver')).replaceAll('/palaver/data', './data');
    expect(docs.slice(docs.indexOf('-->\n\n') + 5)).toBe(statement);
  });
});
