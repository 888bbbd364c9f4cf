import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { parse as parseXml, type Element } from 'ltx';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { connectClient, nextStanza, xml, type XmppClient } from './clients.js';

/**
 * A raw XMPP client for bad-input tests: it writes exactly the bytes a test gives it and
 * reads the server's answer as text, so nothing between the test and the server repairs,
 * reorders or completes the input.
 */

export const NS_STREAM = 'http://etherx.jabber.org/streams';
export const NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams';
export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** A stream header as a client sends it; attributes override or (with undefined) remove the defaults. */
export function streamHeader(attrs: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    to: 'localhost',
    version: '1.0',
    'xml:lang': 'en',
    xmlns: 'jabber:client',
    'xmlns:stream': NS_STREAM,
    ...attrs,
  };
  let header = "<?xml version='1.0'?><stream:stream";
  for (const [name, value] of Object.entries(all)) if (value !== undefined) header += ` ${name}='${value}'`;
  return header + '>';
}

export interface RawConnectOptions {
  port: number;
  /** XEP-0368: TLS from the first byte. */
  directTls?: boolean;
  /** Source address, e.g. 127.0.0.2, so per-address limits do not touch other tests. */
  localAddress?: string;
}

const DEFAULT_TIMEOUT = 5000;

export class RawXmpp {
  /** Text received on the current socket (reset by a TLS upgrade). */
  private text = '';
  /** Where `next` continues from. */
  private cursor = 0;
  private decoder = new TextDecoder('utf-8');
  private socket!: net.Socket;
  private isClosed = false;
  private waiters: (() => void)[] = [];
  /** Resolves when the connection is closed by either side. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  private constructor() {
    this.closed = new Promise((resolve) => { this.resolveClosed = resolve; });
  }

  static connect(options: RawConnectOptions): Promise<RawXmpp> {
    const raw = new RawXmpp();
    return new Promise((resolve, reject) => {
      const common = { host: '127.0.0.1', port: options.port, localAddress: options.localAddress };
      const socket = options.directTls
        ? tls.connect({ ...common, rejectUnauthorized: false, servername: 'localhost', ALPNProtocols: ['xmpp-client'] },
          () => resolve(raw))
        : net.connect(common, () => resolve(raw));
      socket.once('error', reject);
      raw.attach(socket);
    });
  }

  /** Everything received on the current socket so far. */
  get received(): string {
    return this.text;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  get tlsSocket(): tls.TLSSocket | null {
    return this.socket instanceof tls.TLSSocket ? this.socket : null;
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes one byte per TCP packet (Nagle is off; each write waits a moment). */
  async writeBytewise(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    for (const byte of bytes) {
      this.socket.write(Buffer.of(byte));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Resolves with the first match of `pattern` in the text received after `from`; rejects on timeout or close. */
  async waitFor(pattern: RegExp, options: { from?: number; timeoutMs?: number } = {}): Promise<RegExpExecArray> {
    const from = options.from ?? 0;
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT);
    const flags = pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g';
    const search = new RegExp(pattern.source, flags);
    for (;;) {
      search.lastIndex = from;
      const match = search.exec(this.text);
      if (match) return match;
      if (this.isClosed) throw new Error(`closed before ${pattern} arrived; received: ${this.text}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; received: ${this.text}`);
      await this.nextEvent(left);
    }
  }

  /**
   * The next complete element named `name` (qualified, e.g. "stream:features"; or any of
   * several names) after the previous one read, parsed. Elements are found textually: enough
   * for a server whose output the test controls, without a lenient parser in between.
   */
  async next(name: string | string[], timeoutMs = DEFAULT_TIMEOUT): Promise<Element> {
    const names = (Array.isArray(name) ? name : [name]).map((one) => one.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
    const match = await this.waitFor(new RegExp(`<(${names})(?:\\s[^>]*?)?(?:/>|>[\\s\\S]*?</\\1>)`), { from: this.cursor, timeoutMs });
    this.cursor = match.index + match[0].length;
    return parseXml(match[0]) as Element;
  }

  /** Resolves with the text received after the last element read, once `ms` passed without a close. */
  async quietFor(ms: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.text.slice(this.cursor);
  }

  /** Resolves once the server closed the connection; rejects if it stays open. */
  async waitForClose(timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms; received: ${this.text}`)), timeoutMs);
    });
    try {
      await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a stream header and returns the features that answer it. */
  async open(attrs: Record<string, string | undefined> = {}): Promise<Element> {
    this.write(streamHeader(attrs));
    return this.next('stream:features');
  }

  /** STARTTLS on an opened stream: <starttls/>, <proceed/>, the TLS handshake. */
  async startTls(): Promise<void> {
    this.write(`<starttls xmlns='${NS_TLS}'/>`);
    await this.next('proceed');
    await this.upgradeToTls();
  }

  /** Wraps the socket in TLS (after <proceed/>); received text starts afresh. */
  upgradeToTls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    return new Promise((resolve, reject) => {
      const secure = tls.connect({ socket: plain, rejectUnauthorized: false, servername: 'localhost' }, () => resolve());
      secure.once('error', reject);
      this.text = '';
      this.cursor = 0;
      this.decoder = new TextDecoder('utf-8');
      this.attach(secure);
    });
  }

  /** SASL ANONYMOUS and the stream restart; returns the features of the new stream. */
  async authAnonymous(to = 'anon.localhost'): Promise<Element> {
    this.write(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'/>`);
    await this.next('success');
    return this.open({ to });
  }

  /** RFC 6120 §7 resource binding; returns the bound JID. */
  async bind(resource?: string): Promise<string> {
    const id = `bind-${randomBytes(4).toString('hex')}`;
    const inner = resource === undefined ? '' : `<resource>${resource}</resource>`;
    this.write(`<iq type='set' id='${id}'><bind xmlns='${NS_BIND}'>${inner}</bind></iq>`);
    const reply = await this.next('iq');
    const jid = reply.getChild('bind', NS_BIND)?.getChildText('jid');
    if (reply.attrs.id !== id || !jid) throw new Error(`no bind result: ${reply.toString()}`);
    return jid;
  }

  /** Waits for a stream error and the close that must follow it; returns the error element. */
  async expectStreamError(timeoutMs = DEFAULT_TIMEOUT): Promise<StreamErrorInfo> {
    const error = await this.next('stream:error', timeoutMs);
    await this.waitFor(/<\/stream:stream>/, { from: this.cursor, timeoutMs });
    await this.waitForClose(timeoutMs);
    const condition = error.children.find((child): child is Element => typeof child !== 'string' && child.attrs.xmlns === NS_STREAMS && child.name !== 'text');
    const app = error.children.find((child): child is Element => typeof child !== 'string' && child.attrs.xmlns !== NS_STREAMS);
    return { condition: condition?.name ?? '', appCondition: app ? `${app.name} ${app.attrs.xmlns}` : undefined, element: error };
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Stops reading from the socket: the server's writes then pile up (a client that never reads). */
  stopReading(): void {
    this.socket.pause();
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.text += this.decoder.decode(chunk, { stream: true });
      this.wake();
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      this.isClosed = true;
      this.resolveClosed();
      this.wake();
    });
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private nextEvent(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export interface StreamErrorInfo {
  /** The defined condition, e.g. "not-well-formed". */
  condition: string;
  /** An application-specific condition as "name namespace", e.g. "stanza-too-big urn:xmpp:errors". */
  appCondition: string | undefined;
  element: Element;
}

export interface SignInOptions extends RawConnectOptions {
  /** An account on localhost, signed in with SCRAM; without it, a guest on anon.localhost (ANONYMOUS). */
  username?: string;
  password?: string;
  hash?: ScramHash;
  resource?: string;
  /** Upgrade with STARTTLS; by default only when the server requires it. */
  startTls?: boolean;
}

/** Connects, negotiates and binds: a signed-in raw client ready for stanzas. */
export async function signIn(options: SignInOptions): Promise<{ raw: RawXmpp; jid: string }> {
  const raw = await RawXmpp.connect(options);
  const to = options.username === undefined ? 'anon.localhost' : 'localhost';
  const starttls = (await raw.open({ to })).getChild('starttls', NS_TLS);
  if (starttls && (options.startTls ?? starttls.getChild('required') !== undefined)) {
    await raw.startTls();
    await raw.open({ to });
  }
  if (options.username === undefined) {
    await raw.authAnonymous(to);
  } else {
    const outcome = await scramAuth(raw, options.username, options.password ?? '', options.hash);
    if (!outcome.success || !outcome.serverVerified) throw new Error(`SCRAM sign-in failed: ${JSON.stringify(outcome)}`);
    await raw.open({ to });
  }
  return { raw, jid: await raw.bind(options.resource) };
}

export type ScramHash = 'SHA-1' | 'SHA-256' | 'SHA-512';

const SASL_REPLIES = ['challenge', 'success', 'failure'];

export interface ScramOutcome {
  success: boolean;
  /** The SASL failure condition, when it failed. */
  failure?: string;
  /** The server proved it knows the password's keys (the v= attribute matched). */
  serverVerified: boolean;
}

/**
 * An independent RFC 5802 SCRAM client over the raw stream (no channel binding, usernames
 * without ',' or '='), so the server's SCRAM is checked against a second implementation.
 */
export async function scramAuth(raw: RawXmpp, username: string, password: string, hash: ScramHash = 'SHA-256'): Promise<ScramOutcome> {
  const algorithm = hash.replace('-', '').toLowerCase();
  const length = createHash(algorithm).digest().length;
  const hmac = (key: Buffer, data: string) => createHmac(algorithm, key).update(data).digest();
  const nonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=${username},r=${nonce}`;
  raw.write(`<auth xmlns='${NS_SASL}' mechanism='SCRAM-${hash}'>${Buffer.from(`n,,${clientFirstBare}`).toString('base64')}</auth>`);
  const challenge = await raw.next(SASL_REPLIES);
  if (challenge.name === 'failure') return { success: false, failure: failureCondition(challenge), serverVerified: false };
  const serverFirst = Buffer.from(challenge.getText(), 'base64').toString('utf8');
  const fields = new Map(serverFirst.split(',').map((part) => [part[0], part.slice(2)] as const));
  const serverNonce = fields.get('r') ?? '';
  if (!serverNonce.startsWith(nonce)) throw new Error(`the server nonce does not extend ours: ${serverFirst}`);
  const salted = pbkdf2Sync(password, Buffer.from(fields.get('s') ?? '', 'base64'), Number(fields.get('i')), length, algorithm);
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash(algorithm).update(clientKey).digest();
  const clientFinalWithoutProof = `c=biws,r=${serverNonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((byte, index) => byte ^ (signature[index] ?? 0)));
  raw.write(`<response xmlns='${NS_SASL}'>${Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`).toString('base64')}</response>`);
  const outcome = await raw.next(SASL_REPLIES);
  if (outcome.name === 'failure') return { success: false, failure: failureCondition(outcome), serverVerified: false };
  const serverFinal = Buffer.from(outcome.getText(), 'base64').toString('utf8');
  const expected = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
  return { success: outcome.name === 'success', serverVerified: serverFinal === `v=${expected}` };
}

/** One SCRAM attempt on a fresh connection (so a stream's failure cap never interferes), then hang up. */
export async function scramAttempt(options: RawConnectOptions, username: string, password: string): Promise<ScramOutcome> {
  const raw = await RawXmpp.connect(options);
  try {
    await raw.open();
    return await scramAuth(raw, username, password);
  } finally {
    raw.destroy();
  }
}

/** SASL ANONYMOUS on a fresh connection, then hang up: 'success' or the failure condition. */
export async function anonymousAttempt(options: RawConnectOptions): Promise<string> {
  const raw = await RawXmpp.connect(options);
  try {
    await raw.open({ to: 'anon.localhost' });
    raw.write(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'/>`);
    const answer = await raw.next(['success', 'failure']);
    return answer.name === 'success' ? 'success' : failureCondition(answer);
  } finally {
    raw.destroy();
  }
}

export function failureCondition(failure: Element): string {
  return failure.getChildElements().find((child) => child.name !== 'text')?.name ?? '';
}

// --- The bystander ---------------------------------------------------------------------

/**
 * A guest (@xmpp/client) signed in before a suite's tests, checked after each one: it never
 * lost its connection, the server still answers its ping, and a message to itself comes back.
 * A guest, because its sign-in takes milliseconds, well inside a short negotiation timeout.
 */
export function servedThroughout(port: () => number): { client: () => XmppClient } {
  let client: XmppClient | undefined;
  let disconnects = 0;
  beforeAll(async () => {
    client = await connectClient({ port: port() });
    client.on('disconnect', () => { disconnects += 1; });
  });
  afterAll(async () => {
    await client?.stop();
  });
  afterEach(async () => {
    expect(disconnects, 'the bystander lost its connection').toBe(0);
    const bystander = client!;
    const pong = await bystander.iqCaller.request(xml('iq', { type: 'get', to: bystander.jid!.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(pong.attrs.type).toBe('result');
    const echo = nextStanza(bystander, (s) => s.is('message') && s.getChildText('body') === 'still here');
    await bystander.send(xml('message', { to: bystander.jid!.toString(), type: 'chat' }, xml('body', {}, 'still here')));
    await echo;
  });
  return { client: () => client! };
}
