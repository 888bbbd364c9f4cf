/**
 * The three ways a load-generator client reaches a server: a raw XMPP stream over TCP
 * (optionally upgraded with STARTTLS), RFC 7395 WebSocket frames, and XEP-0124/0206 BOSH.
 * Each hands complete top-level stanzas (as source text) to `onStanza` and reports the end
 * of the connection once through `onClosed`.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import WebSocket from 'ws';
import { StanzaFramer } from './framer.mjs';
import { attr, stanzaName } from './stanza.mjs';

export const NS_CLIENT = 'jabber:client';
const NS_FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const NS_BOSH = 'http://jabber.org/protocol/httpbind';
const NS_XBOSH = 'urn:xmpp:xbosh';

/**
 * @typedef {object} TransportOptions
 * @property {string} host      loopback address of the server
 * @property {number} port
 * @property {string} [path]    HTTP path for WebSocket / BOSH
 * @property {string} [hostHeader] HTTP Host header (virtual-host matching on some servers)
 */

class BaseTransport {
  constructor() {
    /** @type {(stanza: string) => void} */
    this.onStanza = () => {};
    /** @type {(reason: string) => void} */
    this.onClosed = () => {};
    this.closed = false;
  }

  /** Stanzas sent on this transport carry this in their start tag (WebSocket/BOSH need the namespace). */
  get stanzaNs() {
    return ` xmlns='${NS_CLIENT}'`;
  }

  finish(reason) {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(reason);
  }
}

export class TcpTransport extends BaseTransport {
  /** @param {TransportOptions} options */
  constructor(options) {
    super();
    this.options = options;
    this.socket = null;
    this.decoder = new StringDecoder('utf8');
    this.framer = this.newFramer();
    this.onData = (chunk) => {
      try {
        this.framer.write(this.decoder.write(chunk));
      } catch (error) {
        this.destroy();
        this.finish(`parse error: ${error.message}`);
      }
    };
  }

  /** On a raw stream jabber:client is the stream's default namespace; stanzas carry none. */
  get stanzaNs() {
    return '';
  }

  newFramer() {
    return new StanzaFramer({
      onStanza: (stanza) => this.onStanza(stanza),
      onClose: () => {
        this.socket?.end();
        this.finish('stream closed by server');
      },
    });
  }

  connect() {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.options.host, port: this.options.port });
      this.socket = socket;
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.off('error', reject);
        this.watch(socket);
        resolve();
      });
      socket.once('error', reject);
    });
  }

  watch(socket) {
    socket.on('data', this.onData);
    socket.on('error', () => {});
    socket.once('close', () => {
      if (socket === this.socket) this.finish('connection closed');
    });
  }

  /** Opens (or, after STARTTLS/SASL, restarts) the stream. */
  openStream(domain) {
    this.framer = this.newFramer();
    this.decoder = new StringDecoder('utf8');
    this.write(`<?xml version='1.0'?><stream:stream xmlns='${NS_CLIENT}' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}' version='1.0' xml:lang='en'>`);
  }

  /** Upgrades the socket after <proceed/>. Loopback only, against servers we started: no verification. */
  startTls(servername) {
    return new Promise((resolve, reject) => {
      const plain = this.socket;
      plain.off('data', this.onData);
      const secure = tls.connect({ socket: plain, servername, rejectUnauthorized: false });
      this.socket = secure;
      secure.once('secureConnect', () => {
        secure.off('error', reject);
        secure.setNoDelay?.(true);
        this.watch(secure);
        resolve();
      });
      secure.once('error', reject);
    });
  }

  send(data) {
    if (!this.closed && this.socket.writable) this.socket.write(data);
  }

  write(data) {
    this.send(data);
  }

  closeStream() {
    this.send('</stream:stream>');
  }

  destroy() {
    this.socket?.destroy();
  }
}

export class WebSocketTransport extends BaseTransport {
  /** @param {TransportOptions} options */
  constructor(options) {
    super();
    this.options = options;
    this.ws = null;
  }

  connect() {
    const { host, port, path = '/xmpp-websocket', hostHeader } = this.options;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${host}:${port}${path}`, 'xmpp', {
        perMessageDeflate: false,
        headers: hostHeader ? { Host: hostHeader } : {},
        handshakeTimeout: 30_000,
      });
      this.ws = ws;
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => {});
        if (ws.protocol !== 'xmpp') {
          ws.terminate();
          reject(new Error(`server did not agree on the xmpp subprotocol (got "${ws.protocol}")`));
          return;
        }
        resolve();
      });
      ws.once('error', reject);
      ws.on('message', (data) => this.onMessage(data.toString()));
      ws.once('close', () => this.finish('websocket closed'));
    });
  }

  onMessage(text) {
    // RFC 7395: one element per message; framing elements are <open/> and <close/>.
    const name = stanzaName(text);
    if (name === 'open') return;
    if (name === 'close') {
      this.ws.close();
      this.finish('stream closed by server');
      return;
    }
    this.onStanza(text);
  }

  openStream(domain) {
    this.send(`<open xmlns='${NS_FRAMING}' to='${domain}' version='1.0' xml:lang='en'/>`);
  }

  send(data) {
    if (!this.closed && this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  closeStream() {
    this.send(`<close xmlns='${NS_FRAMING}'/>`);
  }

  destroy() {
    this.ws?.terminate();
  }
}

/** One keep-alive agent for every BOSH client: sockets are reused between requests. */
const boshAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });

/** The most requests a client keeps open at once (XEP-0124 `requests`, usually hold + 1). */
const BOSH_REQUESTS = 2;
const BOSH_WAIT_S = 60;

export class BoshTransport extends BaseTransport {
  /** @param {TransportOptions} options */
  constructor(options) {
    super();
    this.options = options;
    this.rid = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    this.sid = null;
    this.inflight = 0;
    /** Stanzas waiting for a request. */
    this.queue = [];
    /** Requests that must go alone (session creation, restart, terminate): extra body attributes. */
    this.special = [];
    this.terminating = false;
    this.requests = new Set();
  }

  connect() {
    return Promise.resolve();
  }

  openStream(domain) {
    const xbosh = ` xmlns:xmpp='${NS_XBOSH}' xml:lang='en' to='${domain}'`;
    if (this.sid === null) {
      this.special.push(`${xbosh} content='text/xml; charset=utf-8' hold='1' ver='1.6' wait='${BOSH_WAIT_S}' xmpp:version='1.0'`);
    } else {
      this.special.push(`${xbosh} xmpp:restart='true'`);
    }
    this.pump();
  }

  send(data) {
    if (this.closed || this.terminating) return;
    this.queue.push(data);
    this.pump();
  }

  closeStream() {
    if (this.closed || this.terminating) return;
    this.terminating = true;
    this.special.push(` type='terminate'`);
    this.pump();
  }

  destroy() {
    for (const request of this.requests) request.destroy();
    this.requests.clear();
    this.finish('destroyed');
  }

  pump() {
    while (!this.closed && this.inflight < BOSH_REQUESTS) {
      if (this.sid === null) {
        // Nothing else may go before the session exists.
        if (this.inflight > 0 || this.special.length === 0) return;
        this.post(this.special.shift(), '');
      } else if (this.special.length > 0) {
        const attrs = this.special.shift();
        const payload = attrs.includes("type='terminate'") ? `<presence type='unavailable' xmlns='${NS_CLIENT}'/>` : '';
        this.post(attrs, payload);
      } else if (this.queue.length > 0) {
        const payload = this.queue.join('');
        this.queue = [];
        this.post('', payload);
      } else if (this.inflight === 0 && !this.terminating) {
        this.post('', ''); // the long poll that carries the server's stanzas
      } else {
        return;
      }
    }
  }

  post(attrs, payload) {
    const sid = this.sid === null ? '' : ` sid='${this.sid}'`;
    const body = `<body rid='${this.rid++}'${sid} xmlns='${NS_BOSH}'${attrs}${payload ? `>${payload}</body>` : '/>'}`;
    const { host, port, path = '/http-bind', hostHeader } = this.options;
    this.inflight++;
    const request = http.request({
      host, port, path, method: 'POST', agent: boshAgent,
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        ...(hostHeader ? { Host: hostHeader } : {}),
      },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        this.requests.delete(request);
        this.inflight--;
        if (response.statusCode !== 200) {
          this.finish(`BOSH HTTP ${response.statusCode}`);
          return;
        }
        this.onBody(Buffer.concat(chunks).toString('utf8'));
        // After the stanzas' handlers have run (and queued their replies), so that a reply
        // rides on the next request instead of following an empty poll.
        setImmediate(() => this.pump());
      });
      response.on('error', () => {});
    });
    this.requests.add(request);
    request.on('error', (error) => {
      this.requests.delete(request);
      this.inflight--;
      this.finish(`BOSH request failed: ${error.message}`);
    });
    request.end(body);
  }

  onBody(text) {
    let terminated = false;
    const framer = new StanzaFramer({
      onOpen: (tag) => {
        if (this.sid === null) this.sid = attr(tag, 'sid') ?? null;
        if (attr(tag, 'type') === 'terminate') terminated = true;
      },
      onStanza: (stanza) => this.onStanza(stanza),
    });
    framer.write(text);
    if (this.sid === null) {
      this.finish('BOSH session not created');
    } else if (terminated) {
      this.finish('stream closed by server');
    }
  }
}

/**
 * @param {'tcp'|'ws'|'bosh'} kind
 * @param {TransportOptions} options
 */
export function createTransport(kind, options) {
  switch (kind) {
    case 'tcp': return new TcpTransport(options);
    case 'ws': return new WebSocketTransport(options);
    case 'bosh': return new BoshTransport(options);
    default: throw new Error(`unknown transport ${kind}`);
  }
}
