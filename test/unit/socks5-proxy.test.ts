/** The SOCKS5 listener of the bytestreams proxy (XEP-0065) with raw sockets: pairing, activation, refusals, timeouts. */
import net from 'node:net';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccessControl } from '../../server/access/control.js';
import { listenSocks5, type Socks5Proxy } from '../../server/transports/socks5-proxy.js';
import { defaultConfig } from '../../server/config/load.js';

let proxy: Socks5Proxy | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await proxy?.close();
  proxy = undefined;
});

async function start(options: { allow?: string[]; pendingTimeoutMs?: number } = {}): Promise<Socks5Proxy> {
  const access = createAccessControl({ access: { ...ACCESS_DEFAULTS, allow: options.allow ?? [] } });
  proxy = await listenSocks5({
    host: '127.0.0.1', port: 0, publicHost: '127.0.0.1', access, log: pino({ level: 'silent' }),
    ...(options.pendingTimeoutMs === undefined ? {} : { pendingTimeoutMs: options.pendingTimeoutMs }),
  });
  return proxy;
}

const ACCESS_DEFAULTS = defaultConfig().access;

/** A client socket that collects everything it receives. */
class Peer {
  received = Buffer.alloc(0);
  closed: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: net.Socket) {
    sockets.push(socket);
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async connect(port: number): Promise<Peer> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Peer(socket);
  }

  async bytes(count: number, timeoutMs = 3000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`got ${this.received.length} of ${count} bytes`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    const head = this.received.subarray(0, count);
    this.received = this.received.subarray(count);
    return head;
  }
}

const hashOf = (sid: string) => createHash('sha1').update(`${sid}alice@localhost/a` + 'bob@localhost/b').digest('hex');

function connectRequest(hash: string): Buffer {
  return Buffer.concat([Buffer.from([5, 1, 0, 3, hash.length]), Buffer.from(hash), Buffer.from([0, 0])]);
}

async function handshake(port: number, hash: string): Promise<{ peer: Peer; reply: Buffer }> {
  const peer = await Peer.connect(port);
  peer.socket.write(Buffer.from([5, 1, 0]));
  expect([...await peer.bytes(2)]).toEqual([5, 0]);
  peer.socket.write(connectRequest(hash));
  const head = await peer.bytes(2);
  // A refusal has the short IPv4 form; a success repeats the hash.
  return { peer, reply: Buffer.concat([head, await peer.bytes(head[1] === 0 ? 5 + hash.length : 8)]) };
}

describe('the SOCKS5 bytestreams proxy', () => {
  it('pairs two connections by hash and relays only after activation', async () => {
    const p = await start();
    const hash = hashOf('s1');
    const target = await handshake(p.port, hash);
    expect([...target.reply.subarray(0, 5)]).toEqual([5, 0, 0, 3, 40]);
    expect(target.reply.subarray(5, 45).toString()).toBe(hash);
    const initiator = await handshake(p.port, hash);
    expect(initiator.reply[1]).toBe(0);

    initiator.peer.socket.write('early');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(target.peer.received.length).toBe(0);

    expect(p.activate('0'.repeat(40))).toBe('not-found');
    expect(p.activate(hash)).toBe('activated');
    expect(p.activate(hash)).toBe('already-active');
    expect((await target.peer.bytes(5)).toString()).toBe('early');
    const big = Buffer.alloc(512 * 1024, 7);
    initiator.peer.socket.write(big);
    expect((await target.peer.bytes(big.length)).equals(big)).toBe(true);
    target.peer.socket.write('back');
    expect((await initiator.peer.bytes(4)).toString()).toBe('back');

    initiator.peer.socket.end();
    await target.peer.closed;
  });

  it('cannot activate a stream with one side only, and refuses a third connection', async () => {
    const p = await start();
    const hash = hashOf('s2');
    await handshake(p.port, hash);
    expect(p.activate(hash)).toBe('not-found');
    await handshake(p.port, hash);
    const third = await handshake(p.port, hash);
    expect(third.reply[1]).toBe(2);
    await third.peer.closed;
  });

  it('refuses clients without "no authentication", other commands and other address types', async () => {
    const p = await start();
    const noMethod = await Peer.connect(p.port);
    noMethod.socket.write(Buffer.from([5, 1, 2]));
    expect([...await noMethod.bytes(2)]).toEqual([5, 0xff]);
    await noMethod.closed;

    const bind = await Peer.connect(p.port);
    bind.socket.write(Buffer.from([5, 1, 0]));
    await bind.bytes(2);
    bind.socket.write(Buffer.from([5, 2, 0, 3, 1, 65, 0, 0]));
    expect((await bind.bytes(2))[1]).toBe(7);

    const ipv4 = await Peer.connect(p.port);
    ipv4.socket.write(Buffer.from([5, 1, 0]));
    await ipv4.bytes(2);
    ipv4.socket.write(Buffer.from([5, 1, 0, 1, 127, 0, 0, 1, 0, 0]));
    expect((await ipv4.bytes(2))[1]).toBe(8);

    const notHash = await Peer.connect(p.port);
    notHash.socket.write(Buffer.from([5, 1, 0]));
    await notHash.bytes(2);
    notHash.socket.write(connectRequest('x'.repeat(40)));
    expect((await notHash.bytes(2))[1]).toBe(2);
  });

  it('closes a connection whose peer never comes', async () => {
    const p = await start({ pendingTimeoutMs: 200 });
    const lonely = await handshake(p.port, hashOf('s3'));
    await lonely.peer.closed;
    expect(p.activate(hashOf('s3'))).toBe('not-found');
  });

  it('turns away an address outside [access].allow', async () => {
    const p = await start({ allow: ['10.0.0.0/8'] });
    const refused = await Peer.connect(p.port);
    await refused.closed;
    expect(refused.received.length).toBe(0);
  });
});
