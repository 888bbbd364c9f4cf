import http from 'node:http';
import { parse as parseXml, type Element } from 'ltx';
import WebSocket from 'ws';
import { startClient, type XmppClient } from './clients.js';

// @xmpp/websocket uses the WHATWG global WebSocket, which Node 20 has only behind a flag;
// `ws` implements the same interface.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
export const HTTPBIND = 'http://jabber.org/protocol/httpbind';
export const XBOSH = 'urn:xmpp:xbosh';

export interface WebClientOptions {
  httpPort: number;
  domain?: string;
  username?: string;
  password?: string;
  resource?: string;
}

/** An @xmpp/client over WebSocket, signed in (anonymously on anon.localhost without username). */
export function connectWebSocketClient(options: WebClientOptions): Promise<XmppClient> {
  return startClient(`ws://127.0.0.1:${options.httpPort}/xmpp-websocket`, options);
}

/** A WebSocket driven frame by frame, for raw RFC 7395 tests. */
export class RawWebSocket {
  readonly messages: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(data.toString());
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => {
      for (const wake of this.waiters.splice(0)) wake();
      resolve({ code, reason: reason.toString() });
    }));
  }

  static open(url: string, options: { protocols?: string[]; headers?: Record<string, string>; localAddress?: string } = {}): Promise<RawWebSocket> {
    const ws = new WebSocket(url, options.protocols ?? ['xmpp'], { headers: options.headers, localAddress: options.localAddress });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawWebSocket(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new UpgradeRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Opens the stream and signs in as a guest (ANONYMOUS, restart, bind), each step awaited; returns the full JID. */
  async signInAsGuest(to = 'anon.localhost'): Promise<string> {
    const open = `<open xmlns='${FRAMING}' to='${to}' version='1.0'/>`;
    const steps: [frame: string, answered: (message: string) => boolean][] = [
      [open, (m) => m.startsWith('<stream:features')],
      ["<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>", (m) => m.startsWith('<success')],
      [open, (m) => m.includes('urn:ietf:params:xml:ns:xmpp-bind')],
      ["<iq xmlns='jabber:client' type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>", (m) => m.startsWith('<iq')],
    ];
    let answer = '';
    for (const [frame, answered] of steps) {
      const from = this.messages.length;
      this.send(frame);
      answer = await this.waitFor(answered, from);
    }
    const jid = /<jid>([^<]+)<\/jid>/.exec(answer)?.[1];
    if (jid === undefined) throw new Error(`no bind result: ${answer}`);
    return jid;
  }

  /** Resolves with the first received message (from index `from` on) that matches. */
  async waitFor(predicate: (message: string) => boolean, from = 0, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(predicate);
      if (found !== undefined) return found;
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed without a matching message; got ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

/** A guest signed in over a raw WebSocket (ANONYMOUS, restart, bind), for tests that read frames as sent. */
export async function signInOverWebSocket(httpPort: number): Promise<{ ws: RawWebSocket; jid: string }> {
  const ws = await RawWebSocket.open(`ws://127.0.0.1:${httpPort}/xmpp-websocket`);
  const open = `<open xmlns='${FRAMING}' to='anon.localhost' version='1.0'/>`;
  ws.send(open);
  await ws.waitFor((m) => m.startsWith('<stream:features'));
  ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
  await ws.waitFor((m) => m.startsWith('<success'));
  const restarted = ws.messages.length;
  ws.send(open);
  await ws.waitFor((m) => m.includes('urn:ietf:params:xml:ns:xmpp-bind'), restarted);
  ws.send("<iq xmlns='jabber:client' type='set' id='ws-bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  const bound = await ws.waitFor((m) => m.startsWith('<iq') && m.includes('ws-bind'));
  const jid = /<jid>([^<]+)<\/jid>/.exec(bound)?.[1];
  if (!jid) throw new Error(`no bind result: ${bound}`);
  return { ws, jid };
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
  }
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One HTTP request; localAddress picks the source (127.0.0.2 is an untrusted loopback peer). */
export function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs a BOSH body and parses the response body. */
export async function boshPost(url: string, body: string, headers: Record<string, string> = {}, localAddress?: string): Promise<{ status: number; body: Element; text: string }> {
  const result = await httpRequest(url, { method: 'POST', body, headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, localAddress });
  return { status: result.status, text: result.text, body: parseXml(result.text) as Element };
}

/** A BOSH client driven request by request, for raw XEP-0124/0206 tests. */
export class RawBosh {
  sid = '';
  rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  jid = '';

  /** localAddress picks the source address of every request. */
  constructor(readonly url: string, readonly headers: Record<string, string> = {}, readonly localAddress?: string) {}

  /** Session creation; extra attributes override the defaults (wait 10 s, hold 1). */
  async create(attrs: Record<string, string> = {}): Promise<Element> {
    const all = { to: 'anon.localhost', wait: '10', hold: '1', 'xml:lang': 'en', 'xmpp:version': '1.0', ...attrs };
    const { body } = await this.post(this.rid, '', all, false);
    if (body.attrs.sid) this.sid = body.attrs.sid;
    return body;
  }

  /** The next request in rid order, carrying `payload` (XML text). */
  async send(payload = '', attrs: Record<string, string> = {}): Promise<Element> {
    this.rid += 1;
    return (await this.post(this.rid, payload, attrs)).body;
  }

  /** A request with an explicit rid (replays, gaps); does not advance the client's rid. */
  async post(rid: number, payload: string, attrs: Record<string, string> = {}, withSid = true): Promise<{ status: number; body: Element; text: string }> {
    let open = `<body xmlns='${HTTPBIND}' xmlns:xmpp='${XBOSH}' rid='${rid}'${withSid ? ` sid='${this.sid}'` : ''}`;
    for (const [name, value] of Object.entries(attrs)) open += ` ${name}='${value}'`;
    return boshPost(this.url, payload ? `${open}>${payload}</body>` : `${open}/>`, this.headers, this.localAddress);
  }

  /** Creates a session and signs in anonymously (SASL, restart, bind); returns the JID. */
  async signIn(createAttrs: Record<string, string> = {}): Promise<string> {
    await this.create(createAttrs);
    let reply = await this.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
    if (!reply.getChild('success')) reply = await this.send(); // the success may come on the next request
    if (!reply.getChild('success')) throw new Error(`no SASL success: ${reply.toString()}`);
    await this.send('', { to: 'anon.localhost', 'xml:lang': 'en', 'xmpp:restart': 'true' });
    const bound = await this.send("<iq type='set' id='bind1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    const jid = bound.getChild('iq')?.getChild('bind')?.getChildText('jid');
    if (!jid) throw new Error(`no bind result: ${bound.toString()}`);
    this.jid = jid;
    return jid;
  }
}
