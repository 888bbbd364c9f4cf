import net from 'node:net';
import tls from 'node:tls';
import { escapeXML } from 'ltx';
import type { Element } from '../xml/element.js';
import { StreamError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { DEFAULT_LIMITS, XmlStreamParser, type ParserLimits, type RootOpen } from '../xml/stream-parser.js';
import type { StreamContext } from '../stream/context.js';
import type { AccessControl, Admission } from '../access/control.js';
import { normaliseAddress } from '../access/address.js';
import { XmppStream } from '../stream/xmpp-stream.js';
import type { StreamTransport } from '../stream/transport.js';
import type { ConnectionTracker } from './connections.js';
import { startListening } from './listen.js';
import { readBudgetFor, ReadThrottle } from './read-budget.js';

export interface TcpListenerOptions {
  host: string;
  port: number;
  /** XEP-0368: TLS from the first byte instead of STARTTLS. */
  directTls: boolean;
  /** The certificate in force now: a reload may replace it between two connections. */
  secureContext: () => tls.SecureContext;
  access: AccessControl;
  connections: ConnectionTracker;
}

/** Starts a c2s listener; resolves once it is listening. */
export async function listenTcp(server: StreamContext, options: TcpListenerOptions): Promise<net.Server> {
  const listener = net.createServer((socket) => {
    const address = normaliseAddress(socket.remoteAddress);
    const admission = options.access.admit(address);
    if (!admission) {
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    if (!options.directTls) {
      new TcpConnection(server, socket, address, false, options, admission);
      return;
    }
    // tls.createServer() ignores a ready-made secureContext (it builds its own from key and
    // cert, and then has no certificate), so direct TLS runs its handshake on a TLSSocket,
    // as STARTTLS does; a stalled handshake is ended by the negotiation timeout.
    socket.on('error', () => socket.destroy());
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: options.secureContext(), ALPNProtocols: ['xmpp-client'] });
    new TcpConnection(server, secure, address, true, options, admission);
  });
  await startListening(listener, options.port, options.host, server.log, 'c2s');
  return listener;
}

const STREAM_HEADER_PREFIX = `<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.stream}'`;

/** One TCP client connection: frames a raw XML stream for an XmppStream. */
class TcpConnection implements StreamTransport {
  readonly kind = 'tcp';
  private socket: net.Socket;
  /**
   * Made when the stream's first bytes arrive, not at connect: a connection that never sends
   * anything costs no parser (about 1.8 KiB), and a new stream (STARTTLS, SASL) starts from
   * null again, releasing the old parser's buffers at once.
   */
  private parser: XmlStreamParser | null = null;
  private limits: ParserLimits = DEFAULT_LIMITS;
  private stream!: XmppStream;
  private encrypted: boolean;
  private closed = false;
  /** [limits].read_rate: past its budget the socket is paused, so a flood waits in the client's kernel. */
  private readonly throttle: ReadThrottle;
  private readonly onData = (chunk: Buffer): void => {
    (this.parser ??= this.newParser()).write(chunk);
    this.throttle.consumed(chunk.length);
  };
  /**
   * Output of this event-loop turn, written in one socket.write: a burst to one client (a
   * newcomer's occupant list, history, negotiation steps) then costs one syscall, not one
   * per stanza (bench/RESULTS.md, "Optimisation pass 1").
   */
  private pending: string[] = [];
  /**
   * UTF-8 bytes in `pending`. Written data goes to the socket as a Buffer, so that
   * socket.writableLength counts bytes too; both count against max_outgoing_buffer.
   */
  private pendingBytes = 0;
  private flushScheduled = false;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(
    private readonly server: StreamContext,
    socket: net.Socket,
    readonly remoteAddress: string,
    encrypted: boolean,
    private readonly options: TcpListenerOptions,
    private readonly admission: Admission,
  ) {
    this.socket = socket;
    this.encrypted = encrypted;
    socket.setNoDelay(true);
    this.throttle = new ReadThrottle(readBudgetFor(server.config.limits), () => this.socket);
    this.stream = new XmppStream(server, this);
    this.watch(socket);
    options.connections.add(this.stream);
  }

  get secure(): boolean {
    return this.encrypted;
  }

  get canStartTls(): boolean {
    return !this.encrypted;
  }

  sendHeader(attrs: Record<string, string>): void {
    let header = STREAM_HEADER_PREFIX;
    for (const [name, value] of Object.entries(attrs)) header += ` ${name}='${escapeXML(value)}'`;
    this.write(header + '>');
  }

  sendElement(element: Element): void {
    this.write(element.toString());
  }

  close(): void {
    if (this.closed) return;
    this.write('</stream:stream>');
    this.flush();
    this.closed = true;
    this.socket.end();
    // A client that never closes its side must not keep the socket.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  startTls(): void {
    // <proceed/> must reach the client in the clear, before the socket is wrapped.
    this.flush();
    const plain = this.socket;
    plain.removeListener('data', this.onData);
    plain.setTimeout(0);
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: this.options.secureContext() });
    this.socket = secure;
    this.encrypted = true;
    this.parser = null;
    this.watch(secure);
  }

  expectRestart(): void {
    this.parser = null;
  }

  setLimits(limits: ParserLimits): void {
    this.limits = limits;
    this.parser?.setLimits(limits);
  }

  private write(data: string): void {
    if (this.closed || this.socket.destroyed) return;
    this.pending.push(data);
    this.pendingBytes += Buffer.byteLength(data);
    if (this.overBufferLimit()) return;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Writes what this turn queued; synchronous, so close() and STARTTLS can rely on the order. */
  private flush(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.socket.destroyed) return;
    this.socket.write(Buffer.from(data, 'utf8'));
    this.overBufferLimit();
  }

  /** The client stopped reading: cut it off rather than queue without bound. */
  private overBufferLimit(): boolean {
    if (this.socket.writableLength + this.pendingBytes <= this.server.config.limits.max_outgoing_buffer) return false;
    this.server.log.debug('closing a connection whose output buffer is full');
    this.pending = [];
    this.pendingBytes = 0;
    this.socket.destroy();
    return true;
  }

  /**
   * A fresh parser for a new stream (after STARTTLS or SASL). Events from an older parser
   * are ignored, so nothing sent before a restart is processed after it.
   */
  private newParser(): XmlStreamParser {
    const parser: XmlStreamParser = new XmlStreamParser('stream', this.limits, {
      onRootOpen: (root) => this.isCurrent(parser) && this.onRootOpen(root),
      onElement: (element) => this.isCurrent(parser) && this.stream.onElement(element),
      onRootClose: () => this.isCurrent(parser) && this.stream.onClientClose(),
      onError: (error) => this.isCurrent(parser) && this.stream.onTransportError(error),
    });
    return parser;
  }

  private isCurrent(parser: XmlStreamParser): boolean {
    return parser === this.parser && !this.closed;
  }

  private onRootOpen(root: RootOpen): void {
    if (root.uri !== NS.stream || !root.name.endsWith(':stream') && root.name !== 'stream') {
      this.stream.onTransportError(new StreamError('invalid-namespace', 'expected a stream:stream header'));
      return;
    }
    if (root.defaultNamespace !== NS.client) {
      this.stream.onTransportError(new StreamError('invalid-namespace', `the default namespace must be ${NS.client}`));
      return;
    }
    this.stream.onHeader(root.attrs);
  }

  private watch(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.setTimeout(this.server.config.limits.idle_timeout, () => {
      this.stream.onTransportError(new StreamError('connection-timeout', 'idle for too long'));
    });
    socket.on('error', (error) => {
      this.server.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'c2s socket error');
      socket.destroy();
    });
    socket.once('close', () => this.onSocketClosed(socket));
  }

  private onSocketClosed(socket: net.Socket): void {
    // After STARTTLS both the plain and the TLS socket close; react once, to the current one.
    if (socket !== this.socket) return;
    this.closed = true;
    this.parser = null;
    this.throttle.stop();
    this.stream.onTransportClosed();
    this.admission.release();
    this.options.connections.delete(this.stream);
  }
}
