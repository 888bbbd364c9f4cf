import { fork } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { servedThroughout, signIn, type RawXmpp } from '../helpers/raw-xmpp.js';
import { xml, type XmppClient } from '../helpers/clients.js';
import { RawBosh, RawWebSocket } from '../helpers/web.js';

/**
 * Transport limits under attack (issue 11): a flooding client is read no faster than its
 * budget, slow HTTP clients are cut by the header and body timeouts, one address cannot
 * hold more HTTP connections than the per-address limit, abandoned pre-auth connections
 * leave memory as it was, and a client that stops reading is cut off when its output
 * buffer, counted in bytes, is full. A bystander signed in throughout is checked after
 * every case.
 */

const KiB = 1024;
/** [limits].read_rate and read_burst of the throttled server. */
const READ_RATE = 32 * KiB;
const READ_BURST = 32 * KiB;
/** Node reads a socket in chunks of up to 64 KiB; a chunk is processed whole before the pause. */
const ONE_READ = 64 * KiB;
const HEADER_TIMEOUT_S = 3;
const BODY_TIMEOUT_S = 2;
const MAX_CONNECTIONS_PER_ADDRESS = 20;
const OUTGOING_BUFFER = 64 * KiB;

let limited: TestServer;
let roomy: TestServer;

beforeAll(async () => {
  [limited, roomy] = await Promise.all([
    startTestServer({
      // Loopback peers count as clients here, so that per-address limits apply to them.
      access: { trusted_proxies: [], max_connections_per_address: MAX_CONNECTIONS_PER_ADDRESS },
      // No message rate: the flood tests count delivered messages to measure the read budget.
      limits: { read_rate: `${READ_RATE / KiB}KiB`, read_burst: `${READ_BURST / KiB}KiB`, messages_per_minute: 0 },
      http: { header_timeout: `${HEADER_TIMEOUT_S}s`, body_timeout: `${BODY_TIMEOUT_S}s` },
    }),
    // For what needs volume from one client: no read budget to speak of, no message rate, a small output cap.
    startTestServer({
      access: { max_connections_per_address: 5000 },
      limits: { read_rate: '100MiB', read_burst: '100MiB', messages_per_minute: 0, max_outgoing_buffer: `${OUTGOING_BUFFER / KiB}KiB`, negotiation_timeout: '2s' },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([limited?.stop(), roomy?.stop()]);
});

const bystander = servedThroughout(() => limited.c2sPort);

// --- Helpers ---------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A chat message of exactly `size` bytes carrying `mark`, for counting deliveries. */
function floodMessage(to: string, mark: string, size: number): string {
  const head = `<message to='${to}' type='chat'><body>${mark} `;
  const tail = '</body></message>';
  return head + 'x'.repeat(size - head.length - tail.length) + tail;
}

function count(text: string, mark: string): number {
  return text.split(mark).length - 1;
}

/** A ping round trip on the client's own connection: everything processed before it has been delivered. */
async function marker(raw: RawXmpp, id: string): Promise<void> {
  raw.write(`<iq type='get' id='${id}' to='anon.localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  await raw.waitFor(new RegExp(`id=["']${id}["']`), { timeoutMs: 10_000 });
}

async function pingMs(client: XmppClient): Promise<number> {
  const started = performance.now();
  const pong = await client.iqCaller.request(xml('iq', { type: 'get', to: client.jid!.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  expect(pong.attrs.type).toBe('result');
  return performance.now() - started;
}

/** Bytes a flooder may have had processed after `seconds`: its burst, the rate, and the read in hand. */
function budgetAfter(seconds: number): number {
  return READ_BURST + READ_RATE * seconds + ONE_READ;
}

/** A raw socket to the HTTP listener from `localAddress`, collecting what it receives. */
function httpSocket(port: number, localAddress: string): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect({ port, host: '127.0.0.1', localAddress });
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1'); });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** The status line of a GET of the BOSH help text from `localAddress`. */
async function statusLine(localAddress: string): Promise<string> {
  const client = await httpSocket(limited.httpPort, localAddress);
  client.socket.write('GET /http-bind HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  await client.closed;
  return client.received().split('\r\n')[0]!;
}

/** Sends `data` one byte every `intervalMs` until the socket closes or `stop()` says so. */
function dribble(socket: net.Socket, data: string, intervalMs: number): { stop: () => void } {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) return clearInterval(timer);
    socket.write(data[index % data.length]!);
    index += 1;
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}

function exposedGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

// --- Read budget -----------------------------------------------------------------------

describe('a client that floods', () => {
  const WINDOW_S = 5;
  const MESSAGE = 200;
  const FLOOD = 4 * 1024 * KiB;

  /**
   * With a flood just sent: lets it run for WINDOW_S (the bystander's ping midway stays
   * fast), then checks how much of it reached `receiver`, as wire bytes per message.
   * Unthrottled, all 4 MiB arrive within a second.
   */
  async function expectReadAtBudget(receiver: RawXmpp, mark: string, wireBytes: number): Promise<void> {
    const started = performance.now();
    await sleep(WINDOW_S * 500);
    expect(await pingMs(bystander.client())).toBeLessThan(1000);
    await sleep(started + WINDOW_S * 1000 - performance.now());
    await marker(receiver, `after-${mark}`);
    // Measured after the marker: the server may have read more while it travelled.
    const elapsed = (performance.now() - started) / 1000;
    const processed = count(receiver.received, mark) * wireBytes;
    expect(processed).toBeLessThanOrEqual(budgetAfter(elapsed));
    expect(processed).toBeGreaterThanOrEqual(READ_RATE * (WINDOW_S / 2));
  }

  it('over TCP is read at its budget, stays connected, and others are served meanwhile', async () => {
    const receiver = await signIn({ port: limited.c2sPort });
    const flooder = await signIn({ port: limited.c2sPort, localAddress: '127.0.0.2' });
    const message = floodMessage(receiver.jid, 'tcp-flood', MESSAGE);
    flooder.raw.write(message.repeat(FLOOD / MESSAGE));
    await expectReadAtBudget(receiver.raw, 'tcp-flood', MESSAGE);
    expect(flooder.raw.isOpen).toBe(true);
    flooder.raw.destroy();
    receiver.raw.destroy();
  }, 20_000);

  it('over WebSocket is read at its budget too', async () => {
    const receiver = await signIn({ port: limited.c2sPort });
    const ws = await RawWebSocket.open(`ws://127.0.0.1:${limited.httpPort}/xmpp-websocket`);
    await ws.signInAsGuest();

    // One frame per stanza (RFC 7395); a masked client frame adds 8 bytes to each.
    const message = floodMessage(receiver.jid, 'ws-flood', MESSAGE).replace('<message ', "<message xmlns='jabber:client' ");
    for (let i = 0; i < FLOOD / MESSAGE; i++) ws.send(message);
    await expectReadAtBudget(receiver.raw, 'ws-flood', message.length + 8);
    expect(ws.ws.readyState).toBe(ws.ws.OPEN);
    ws.ws.terminate();
    receiver.raw.destroy();
  }, 20_000);

  it('over BOSH has its bodies processed at its budget, two requests in flight at a time', async () => {
    const receiver = await signIn({ port: limited.c2sPort });
    const bosh = new RawBosh(`${limited.httpUrl}/http-bind`);
    await bosh.signIn();
    const payload = floodMessage(receiver.jid, 'bosh-flood', MESSAGE).repeat(64);
    let flooding = true;
    const flood = (async () => {
      const inFlight = [bosh.send(payload), bosh.send(payload)];
      while (flooding) {
        await inFlight.shift();
        inFlight.push(bosh.send(payload));
      }
    })();
    await expectReadAtBudget(receiver.raw, 'bosh-flood', MESSAGE);
    flooding = false;
    await bosh.send('', { type: 'terminate' }).catch(() => {});
    await flood.catch(() => {});
    receiver.raw.destroy();
  }, 30_000);
});

// --- Slow and many HTTP clients ---------------------------------------------------------

describe('slow HTTP clients', () => {
  /**
   * Sends `head` at once, then `dribbled` one byte every 250 ms, and expects a 408 after
   * `seconds` (within the second Node takes to check, plus slack), and the connection closed.
   */
  async function expectTimeout(head: string, dribbled: string, seconds: number): Promise<void> {
    const client = await httpSocket(limited.httpPort, '127.0.0.3');
    client.socket.write(head);
    const slow = dribble(client.socket, dribbled, 250);
    const started = performance.now();
    await expect.poll(client.received, { timeout: (seconds + 3) * 1000, interval: 50 }).toMatch(/^HTTP\/1\.1 408 /);
    const elapsed = (performance.now() - started) / 1000;
    slow.stop();
    expect(elapsed).toBeGreaterThanOrEqual(seconds - 0.1);
    expect(elapsed).toBeLessThan(seconds + 1.5);
    await client.closed;
  }

  it('headers sent one byte every 250 ms, never ending, get 408 within the header timeout', async () => {
    // Node checks its header timeout every second here (every 30 s by default).
    await expectTimeout('GET / HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', HEADER_TIMEOUT_S);
  }, 15_000);

  it('a small body sent one byte every 250 ms gets 408 after the body timeout', async () => {
    const body = `<body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='anon.localhost'/>`.padEnd(1000, ' ');
    await expectTimeout(`POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: ${body.length}\r\n\r\n`, body, BODY_TIMEOUT_S);
  }, 15_000);

  it('a bigger declared body gets time in proportion to its size (1 s per 32 KiB)', async () => {
    const declared = 96 * KiB; // 3 s more than a small body
    const head = `POST /http-bind HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: ${declared}\r\n\r\n<body`;
    const stillOpen = sleep((BODY_TIMEOUT_S + 1.5) * 1000);
    const timedOut = expectTimeout(head, ' ', BODY_TIMEOUT_S + 3);
    await stillOpen;
    await timedOut;
  }, 15_000);

  it('one address holding half-sent requests gets no more connections than the per-address limit; others still do', async () => {
    const attempts = MAX_CONNECTIONS_PER_ADDRESS + 10;
    const clients = await Promise.all(Array.from({ length: attempts }, () => httpSocket(limited.httpPort, '127.0.0.4')));
    for (const client of clients) client.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
    const refused = () => clients.filter((client) => /^HTTP\/1\.1 429 /.test(client.received())).length;
    await expect.poll(refused, { timeout: 5000 }).toBe(attempts - MAX_CONNECTIONS_PER_ADDRESS);
    // The refused ones are closed; the admitted ones are waiting for the rest of their headers.
    await Promise.all(clients.filter((client) => client.received() !== '').map((client) => client.closed));
    expect(clients.filter((client) => client.received() === '' && !client.socket.destroyed)).toHaveLength(MAX_CONNECTIONS_PER_ADDRESS);

    expect(await statusLine('127.0.0.5')).toBe('HTTP/1.1 200 OK');

    // Once the address lets go (the server sees the closes soon after), it is served again.
    for (const client of clients) client.socket.destroy();
    await expect.poll(() => statusLine('127.0.0.4'), { timeout: 5000 }).toBe('HTTP/1.1 200 OK');
  });
});

// --- Pre-auth connections ----------------------------------------------------------------

describe('connections abandoned before sign-in', () => {
  it('cost a few KiB each while open, and memory returns to its baseline after 2 × 1000 of them', async () => {
    const gc = exposedGc();
    const heap = (): number => {
      gc();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.external;
    };
    const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/preauth-clients.mjs');
    const openClients = async (count: number) => {
      const child = fork(fixture, [String(roomy.c2sPort), String(count), '127.0.0.6'], { stdio: 'ignore' });
      await new Promise((resolve) => child.once('message', resolve));
      return child;
    };
    const destroyAll = async (child: ReturnType<typeof fork>) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('destroy');
      await exited;
    };

    // Warm up whatever a first connection compiles or caches.
    await destroyAll(await openClients(100));
    await sleep(200);
    const baseline = heap();

    // 1000 left hanging: the negotiation timeout (2 s here) closes them.
    const hanging = await openClients(1000);
    const perConnection = (heap() - baseline) / 1000;
    expect(perConnection).toBeLessThan(16 * KiB);
    const allClosed = new Promise((resolve) => hanging.once('message', resolve));
    hanging.send('wait-closed');
    await allClosed;
    await destroyAll(hanging);

    // 1000 dropped by their client.
    await destroyAll(await openClients(1000));

    await expect.poll(heap, { timeout: 10_000, interval: 200 }).toBeLessThan(baseline + 1024 * KiB);
  }, 60_000);
});

// --- Output buffer -----------------------------------------------------------------------

describe('the outgoing buffer cap', () => {
  it('counts bytes, not characters: a message over the cap in UTF-8 bytes cuts its recipient off', async () => {
    const sender = await signIn({ port: roomy.c2sPort });
    const fits = await signIn({ port: roomy.c2sPort });
    const overflows = await signIn({ port: roomy.c2sPort });
    // 3-byte characters: 20 000 of them are 60 000 bytes (under 64 KiB), 30 000 are 90 000
    // bytes (over it), though both are far under 64 Ki characters.
    sender.raw.write(`<message to='${fits.jid}' type='chat'><body>fits ${'€'.repeat(20_000)}</body></message>`);
    sender.raw.write(`<message to='${overflows.jid}' type='chat'><body>${'€'.repeat(30_000)}</body></message>`);
    await overflows.raw.closed;
    await fits.raw.waitFor(/fits €/);
    await marker(fits.raw, 'fits-still-served');
    await marker(sender.raw, 'sender-still-served');
    fits.raw.destroy();
    sender.raw.destroy();
  });

  it('a client that never reads is cut off once its buffer is full; its sender goes on', async () => {
    const sender = await signIn({ port: roomy.c2sPort });
    const sleeper = await signIn({ port: roomy.c2sPort });
    sleeper.raw.stopReading();
    const sessions = roomy.server.context.sessions;
    const online = () => sessions.of(sleeper.jid.split('/')[0]!).length;
    expect(online()).toBe(1);
    // One at a time, each well under the cap, until more than the kernel's socket buffers
    // hold; headlines, so that those sent after the cut are dropped rather than bounced.
    const message = `<message to='${sleeper.jid}' type='headline'><body>${'z'.repeat(16 * KiB)}</body></message>`;
    for (let i = 0; i < 2000 && online() > 0; i++) {
      sender.raw.write(message);
      await marker(sender.raw, `sent-${i}`);
    }
    await expect.poll(online, { timeout: 5000 }).toBe(0);
    await marker(sender.raw, 'sender-after');
    sender.raw.destroy();
    sleeper.raw.destroy();
  }, 30_000);
});
