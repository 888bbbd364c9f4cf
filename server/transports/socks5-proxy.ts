/**
 * The SOCKS5 bytestreams proxy (XEP-0065 mediated transfers) on [proxy].listen. Each client
 * connects, says "no authentication" and CONNECTs to the stream hash; the two connections of
 * one hash wait, not read, until the initiator activates the stream over XMPP (the proxy
 * module), and are then relayed to each other with backpressure (pipe), so at most a socket
 * buffer per direction is held. Admission is [access] (allowlist, connections per address)
 * like every listener; the handshake, a pair waiting for activation and an idle relay each
 * have a timeout, and the number of waiting streams is capped.
 */
import net from 'node:net';
import type { Logger } from '../log.js';
import type { AccessControl } from '../access/control.js';
import { normaliseAddress } from '../access/address.js';
import type { ActivationResult, BytestreamProxy } from '../core/bytestream-proxy.js';
import { startListening } from './listen.js';
import { parseConnect, parseGreeting, reply, REPLY } from './socks5-handshake.js';

export interface Socks5ProxyOptions {
  host: string;
  port: number;
  /** The host clients are told to connect to. */
  publicHost: string;
  access: AccessControl;
  log: Logger;
  handshakeTimeoutMs?: number;
  /** How long a connection waits for its peer and the activation. */
  pendingTimeoutMs?: number;
  /** An active relay with no byte either way for this long is closed. */
  idleTimeoutMs?: number;
  maxWaitingStreams?: number;
}

/** Greeting and request together are at most 2 + 255 + 7 + 255 bytes; a little slack for bytes sent early. */
const MAX_HANDSHAKE_BYTES = 1024;

interface Stream {
  sockets: net.Socket[];
  /** Bytes a client sent after its request, before activation: given to the peer on activation. */
  early: Buffer[];
  active: boolean;
}

export class Socks5Proxy implements BytestreamProxy {
  readonly streamhost: { host: string; port: number };
  private readonly streams = new Map<string, Stream>();
  private readonly hashOf = new Map<net.Socket, string>();
  private readonly sockets = new Set<net.Socket>();
  private readonly handshakeTimeoutMs: number;
  private readonly pendingTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly maxWaitingStreams: number;

  constructor(private readonly listener: net.Server, private readonly options: Socks5ProxyOptions) {
    const { port } = listener.address() as net.AddressInfo;
    this.streamhost = { host: options.publicHost, port };
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.pendingTimeoutMs = options.pendingTimeoutMs ?? 60_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
    this.maxWaitingStreams = options.maxWaitingStreams ?? 1_000;
    listener.on('connection', (socket) => this.accept(socket));
  }

  get port(): number {
    return this.streamhost.port;
  }

  activate(hash: string): ActivationResult {
    const stream = this.streams.get(hash);
    if (!stream || stream.sockets.length < 2) return 'not-found';
    if (stream.active) return 'already-active';
    stream.active = true;
    const [first, second] = stream.sockets as [net.Socket, net.Socket];
    const [firstEarly, secondEarly] = stream.early as [Buffer, Buffer];
    for (const socket of stream.sockets) socket.setTimeout(this.idleTimeoutMs);
    if (firstEarly.length > 0) second.write(firstEarly);
    if (secondEarly.length > 0) first.write(secondEarly);
    first.pipe(second);
    second.pipe(first);
    return 'activated';
  }

  /** Stops listening and ends every connection. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const admission = this.options.access.admit(normaliseAddress(socket.remoteAddress));
    socket.on('error', () => socket.destroy());
    if (!admission) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setTimeout(this.handshakeTimeoutMs);
    socket.on('timeout', () => socket.destroy());
    socket.on('close', (hadError) => {
      admission.release();
      this.sockets.delete(socket);
      this.leave(socket, hadError);
    });
    let buffered: Buffer = Buffer.alloc(0);
    let greeted = false;
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_HANDSHAKE_BYTES) {
        socket.destroy();
        return;
      }
      if (!greeted) {
        const greeting = parseGreeting(buffered);
        if ('need' in greeting) return;
        if ('error' in greeting) {
          socket.end(greeting.error);
          return;
        }
        socket.write(greeting.value);
        buffered = greeting.rest;
        greeted = true;
      }
      const request = parseConnect(buffered);
      if ('need' in request) return;
      if ('error' in request) {
        socket.end(request.error);
        return;
      }
      socket.off('data', onData);
      socket.pause();
      this.join(socket, request.value, Buffer.from(request.rest));
    };
    socket.on('data', onData);
  }

  private join(socket: net.Socket, hash: string, early: Buffer): void {
    let stream = this.streams.get(hash);
    if (!stream) {
      if (this.streams.size >= this.maxWaitingStreams) {
        socket.end(reply(REPLY.failure));
        return;
      }
      stream = { sockets: [], early: [], active: false };
      this.streams.set(hash, stream);
    }
    if (stream.active || stream.sockets.length >= 2) {
      socket.end(reply(REPLY.notAllowed));
      return;
    }
    stream.sockets.push(socket);
    stream.early.push(early);
    this.hashOf.set(socket, hash);
    socket.setTimeout(this.pendingTimeoutMs);
    socket.write(reply(REPLY.succeeded, hash));
  }

  /** One side went: a waiting peer waits alone; an active peer is ended (after its pending writes) or, after an error, cut. */
  private leave(socket: net.Socket, hadError: boolean): void {
    const hash = this.hashOf.get(socket);
    if (hash === undefined) return;
    this.hashOf.delete(socket);
    const stream = this.streams.get(hash);
    if (!stream) return;
    const index = stream.sockets.indexOf(socket);
    if (index < 0) return;
    if (!stream.active) {
      stream.sockets.splice(index, 1);
      stream.early.splice(index, 1);
      if (stream.sockets.length === 0) this.streams.delete(hash);
      return;
    }
    this.streams.delete(hash);
    for (const peer of stream.sockets) {
      if (peer === socket) continue;
      this.hashOf.delete(peer);
      if (hadError) peer.destroy();
      else peer.end();
    }
  }
}

/** Opens the proxy's listener; resolves once it listens. */
export async function listenSocks5(options: Socks5ProxyOptions): Promise<Socks5Proxy> {
  const listener = net.createServer();
  await startListening(listener, options.port, options.host, options.log, 'SOCKS5 proxy');
  return new Socks5Proxy(listener, options);
}
