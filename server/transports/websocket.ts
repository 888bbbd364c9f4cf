import net from 'node:net';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { escapeXML } from 'ltx';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { StreamContext } from '../stream/context.js';
import { admitClient, isTextAnswer } from '../access/admission.js';
import type { HttpConnectionLimit } from '../access/http-connection-limit.js';
import type { OriginPolicy } from '../access/origins.js';
import type { Element } from '../xml/element.js';
import { StreamError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { DEFAULT_LIMITS, XmlStreamParser, type ParserLimits } from '../xml/stream-parser.js';
import { XmppStream } from '../stream/xmpp-stream.js';
import type { StreamTransport } from '../stream/transport.js';
import { serializeForClient } from './client-xml.js';
import type { ConnectionTracker } from './connections.js';
import { readBudgetFor, ReadThrottle } from './read-budget.js';

/** Where the HTTP listener serves WebSocket upgrades (RFC 7395); other paths are refused. */
export const WEBSOCKET_PATH = '/xmpp-websocket';

const SUBPROTOCOL = 'xmpp';
/** RFC 6455 close codes. */
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED_DATA = 1003;
/** A client that does not answer our close frame loses the socket after this. */
const CLOSE_GRACE_MS = 5_000;

/**
 * RFC 7395 at /xmpp-websocket: checks an upgrade (allowlist, path, Origin, the xmpp
 * subprotocol, per-address limit) before `ws` completes it, and refuses with an HTTP status
 * otherwise. `ws` alone would complete an upgrade without the subprotocol.
 */
export class WebSocketEndpoint {
  private readonly wss: WebSocketServer;
  private stopping = false;

  constructor(
    private readonly server: StreamContext,
    private readonly connections: ConnectionTracker,
    private readonly origins: OriginPolicy,
    private readonly connectionLimit: HttpConnectionLimit,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // One message carries one element, so a message is never bigger than a stanza.
      maxPayload: server.config.limits.max_stanza_size,
      handleProtocols: () => SUBPROTOCOL,
    });
    server.events.on('shutdown', () => {
      this.stopping = true;
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const client = admitClient(this.server.access, req);
    if (isTextAnswer(client)) return refuseUpgrade(socket, client.status, client.text.trimEnd());
    const path = new URL(req.url ?? '/', 'http://upgrade.invalid').pathname;
    if (path !== WEBSOCKET_PATH) return refuseUpgrade(socket, 404, 'No WebSocket endpoint here.');
    if (this.stopping) return refuseUpgrade(socket, 503, 'The server is shutting down.');
    if (!this.origins.allows(req.headers.origin, req.headers.host)) return refuseUpgrade(socket, 403, 'This origin may not use this server.');
    if (!offersSubprotocol(req.headers['sec-websocket-protocol'])) {
      return refuseUpgrade(socket, 400, `The "${SUBPROTOCOL}" WebSocket subprotocol is required (RFC 7395).`);
    }
    // Counted already when its connection opened, unless it came through a proxy.
    const admission = this.connectionLimit.admissionOf(socket, client.address) ?? this.server.access.admit(client.address);
    if (!admission) return refuseUpgrade(socket, 429, 'Too many connections from your address.');
    // Also covers a handshake that `ws` rejects (bad key or version) and never hands over.
    socket.once('close', () => admission.release());
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      new WebSocketConnection(this.server, ws, socket, client.address, client.secure, this.connections);
    });
  }
}

function offersSubprotocol(header: string | undefined): boolean {
  return (header ?? '').split(',').some((protocol) => protocol.trim() === SUBPROTOCOL);
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n`
    + `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** One RFC 7395 connection: <open/>/<close/> framing around one XmppStream, one element per message. */
class WebSocketConnection implements StreamTransport {
  readonly kind = 'websocket';
  readonly canStartTls = false;
  private readonly stream: XmppStream;
  /** Reads the messages of this connection one after another, each as a document. */
  private readonly parser: XmlStreamParser;
  private closed = false;
  /**
   * The socket is corked from the first frame of an event-loop turn until the next turn, so
   * that a burst of frames (one stanza each, RFC 7395) shares one syscall instead of one
   * writev per frame (bench/RESULTS.md, "Optimisation pass 1").
   */
  private corked = false;
  private readonly uncorkSoon = (): void => this.uncork();

  constructor(
    private readonly server: StreamContext,
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    readonly remoteAddress: string,
    readonly secure: boolean,
    private readonly connections: ConnectionTracker,
  ) {
    this.parser = new XmlStreamParser('fragment', DEFAULT_LIMITS, {
      onElement: (element) => this.dispatch(element),
      onError: (error) => this.stream.onTransportError(error),
    });
    this.stream = new XmppStream(server, this);
    connections.add(this.stream);
    if (socket instanceof net.Socket) {
      socket.setNoDelay(true);
      // `ws` clears the socket timeout; any frame in either direction (pings too) resets this one.
      socket.setTimeout(server.config.limits.idle_timeout, () => {
        this.stream.onTransportError(new StreamError('connection-timeout', 'idle for too long'));
      });
    }
    // Every byte off the wire counts, frame headers and pings included; ws.pause() pauses the socket.
    const throttle = new ReadThrottle(readBudgetFor(server.config.limits), () => ws);
    socket.on('data', (chunk: Buffer) => throttle.consumed(chunk.length));
    ws.once('close', () => throttle.stop());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (error) => {
      // Oversized or malformed frames: `ws` has already sent its close code and closes the socket.
      this.server.log.debug({ code: (error as NodeJS.ErrnoException).code }, 'WebSocket error');
    });
    ws.once('close', () => this.onSocketClosed());
  }

  sendHeader(attrs: Record<string, string>): void {
    let open = `<open xmlns='${NS.framing}'`;
    for (const [name, value] of Object.entries(attrs)) open += ` ${name}='${escapeXML(value)}'`;
    this.write(open + '/>');
  }

  sendElement(element: Element): void {
    this.write(serializeForClient(element));
  }

  close(): void {
    if (this.closed) return;
    this.write(`<close xmlns='${NS.framing}'/>`);
    this.closed = true;
    // Still corked: the <close/> and the close frame leave in one syscall.
    this.ws.close(CLOSE_NORMAL);
    this.uncork();
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  expectRestart(): void {
    // Every message is a document of its own, so a restart needs no new parser.
  }

  setLimits(limits: ParserLimits): void {
    this.parser.setLimits(limits);
  }

  private write(data: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(this.uncorkSoon);
    }
    this.ws.send(data);
    if (this.ws.bufferedAmount > this.server.config.limits.max_outgoing_buffer) {
      // The client stopped reading: cut it off rather than queue without bound.
      this.server.log.debug('closing a WebSocket whose output buffer is full');
      this.ws.terminate();
    }
  }

  /**
   * RFC 7395 §3.3.3: text messages, each holding whole elements. Each message is parsed as a
   * document of its own, so an element split across messages is an error, and nothing from
   * a message is acted on unless all of it parsed. A parse error closes the stream, so the
   * failed parser is never asked to read another message.
   */
  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.abort(CLOSE_UNSUPPORTED_DATA, 'XMPP messages are text');
      return;
    }
    this.parser.writeDocument(toBuffer(data));
  }

  private dispatch(element: Element): void {
    // An earlier element of the same message may have ended the stream.
    if (this.closed) return;
    if (element.attrs.xmlns !== NS.framing) {
      // RFC 7395 §3.4: an <open/> in another namespace is a framing mistake, not a stanza.
      if (element.name === 'open') this.stream.onTransportError(new StreamError('invalid-namespace', `<open/> belongs in ${NS.framing}`));
      else this.stream.onElement(element);
    } else if (element.name === 'open') {
      const { xmlns: _framing, ...attrs } = element.attrs as Record<string, string>;
      this.stream.onHeader(attrs);
    } else if (element.name === 'close') {
      this.stream.onClientClose();
    } else {
      this.stream.onTransportError(new StreamError('unsupported-stanza-type', `<${element.name}/> in ${NS.framing}`));
    }
  }

  /** Sends what this turn's frames left in the socket (bufferedAmount counts them meanwhile). */
  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Closes without an XMPP goodbye (protocol violation at the WebSocket level). */
  private abort(code: number, reason: string): void {
    this.closed = true;
    this.ws.close(code, reason);
    this.uncork();
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    this.stream.onTransportClosed();
  }

  /** The socket is gone (client closed the tab, reload, network): the session ends now. */
  private onSocketClosed(): void {
    this.closed = true;
    this.stream.onTransportClosed();
    this.connections.delete(this.stream);
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
