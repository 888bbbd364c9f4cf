import type { BoshReply } from './reply.js';
import type { StreamContext } from '../../stream/context.js';
import type { Admission } from '../../access/control.js';
import type { Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import { DEFAULT_LIMITS, type ParserLimits } from '../../xml/stream-parser.js';
import { XmppStream } from '../../stream/xmpp-stream.js';
import type { StreamTransport } from '../../stream/transport.js';
import { serializeForClient } from '../client-xml.js';
import type { ConnectionTracker } from '../connections.js';
import { readBudgetFor, type ReadBudget } from '../read-budget.js';
import { bodyXml, xboshAttr, type BoshBody, type TerminateCondition } from './body.js';
import { OveractivityGuard } from './overactivity.js';
import type { BoshParams } from './params.js';

export interface BoshSessionOptions {
  sid: string;
  params: BoshParams;
  remoteAddress: string;
  secure: boolean;
  admission: Admission;
  connections: ConnectionTracker;
  /** The session is over and answers no more requests: forget its sid. */
  onEnded(session: BoshSession): void;
}

/** A request the server holds open until it has data for it or `wait` passes. */
interface HeldRequest {
  rid: number;
  res: BoshReply;
  timer: NodeJS.Timeout;
}

/** A request not processed yet: ahead of a missing rid, or waiting for the read budget. */
interface EarlyRequest {
  body: BoshBody;
  res: BoshReply;
}

/** Stream errors with a BOSH condition of their own; any other is 'remote-stream-error'. */
const BOSH_CONDITIONS = new Set<string>(['host-unknown', 'host-gone', 'system-shutdown']);

/**
 * One BOSH session (XEP-0124 + XEP-0206): the transport of an XmppStream whose frames are
 * HTTP request and response bodies.
 *
 * Requests are processed strictly in rid order; one that arrives early waits for the gap to
 * fill, within the window of `requests`. A repeated rid gets its cached response (the client
 * lost it) or, while still held, takes the held slot over. A rid outside the window, or too
 * old to be cached, ends the session with item-not-found. Outgoing elements are queued (up
 * to [limits].max_outgoing_buffer) and sent in one body to the oldest held request.
 * With no request open for `inactivity` seconds the session ends, as a closed socket would.
 * A client polling faster than `polling` allows is cut off with policy-violation.
 *
 * Bodies are charged to a read budget ([limits].read_rate and read_burst) as a socket's
 * bytes are: while it is spent, the next body waits unprocessed and unanswered, and as a
 * client may have only `requests` bodies open, a flooding client is slowed to the budget.
 */
export class BoshSession implements StreamTransport {
  readonly kind = 'bosh';
  readonly canStartTls = false;
  readonly sid: string;
  readonly remoteAddress: string;
  readonly secure: boolean;
  private readonly stream: XmppStream;
  private readonly params: BoshParams;
  private parserLimits: ParserLimits = DEFAULT_LIMITS;
  private lastRid = 0;
  private held: HeldRequest[] = [];
  private readonly early = new Map<number, EarlyRequest>();
  private readonly responses = new Map<number, string>();
  private queue: string[] = [];
  private queuedSize = 0;
  private header: Record<string, string> = {};
  /** The creation request's to and xmpp:version, which restart bodies need not repeat. */
  private streamDefaults: Record<string, string> = {};
  private streamError: TerminateCondition | null = null;
  /** Set once the stream is over: the attributes of the final body still to be delivered. */
  private closing: { condition?: TerminateCondition } | null = null;
  private ended = false;
  private flushScheduled = false;
  private inactivityTimer: NodeJS.Timeout | null = null;
  private readonly overactivity: OveractivityGuard;
  private readonly budget: ReadBudget;
  private budgetTimer: NodeJS.Timeout | null = null;

  constructor(private readonly server: StreamContext, private readonly options: BoshSessionOptions) {
    this.sid = options.sid;
    this.params = options.params;
    this.overactivity = new OveractivityGuard(options.params, server.now);
    this.remoteAddress = options.remoteAddress;
    this.secure = options.secure;
    this.budget = readBudgetFor(server.config.limits);
    this.stream = new XmppStream(server, this);
    options.connections.add(this.stream);
  }

  /** Parser limits for this session's next body (pre- or post-authentication). */
  get limits(): ParserLimits {
    return this.parserLimits;
  }

  /** The session creation request: opens the stream and answers at once with the features. */
  start(rid: number, body: BoshBody, res: BoshReply): void {
    this.lastRid = rid;
    this.budget.charge(body.bytes);
    const header = streamHeader(body.attrs, {});
    this.streamDefaults = { to: header.to ?? '', version: header.version ?? '' };
    this.stream.onHeader(header);
    const { params } = this;
    const attrs = {
      sid: this.sid,
      wait: params.wait,
      requests: params.requests,
      hold: params.hold,
      inactivity: params.inactivity,
      polling: params.polling,
      ver: '1.11',
      from: this.header.from,
      authid: this.header.id,
      ack: params.ack ? rid : undefined,
      'xmlns:xmpp': NS.xbosh,
      'xmpp:version': '1.0',
      'xmpp:restartlogic': 'true',
      ...this.closingAttrs(),
    };
    this.respond(res, rid, attrs, this.takeQueue());
    if (this.closing) this.end();
    else this.checkIdle();
  }

  /** Any later request of this session. */
  receive(rid: number, body: BoshBody, res: BoshReply): void {
    if (this.ended) {
      res.send(bodyXml({ type: 'terminate', condition: 'item-not-found' }));
      return;
    }
    this.clearInactivity();
    if (rid <= this.lastRid) {
      this.repeated(rid, res);
    } else if (rid > this.lastRid + this.params.requests) {
      this.terminate('item-not-found', res);
    } else if (!this.closing && this.overactivity.isOveractive(rid, body, this.held.length + this.early.size)) {
      this.server.log.debug('ending a BOSH session that polls faster than allowed');
      this.terminate('policy-violation', res);
    } else if (this.closing) {
      this.hold(rid, res);
    } else {
      const previous = this.early.get(rid);
      if (previous) previous.res.send(bodyXml({}));
      this.early.set(rid, { body, res });
      res.onClose(() => {
        if (this.early.get(rid)?.res === res) this.early.delete(rid);
        this.checkIdle();
      });
      this.processInOrder();
    }
  }

  /** Processes the waiting requests that follow lastRid, while the read budget allows. */
  private processInOrder(): void {
    for (let next = this.early.get(this.lastRid + 1); next && !this.ended; next = this.early.get(this.lastRid + 1)) {
      const wait = this.budget.delay();
      if (wait > 0) {
        this.budgetTimer ??= setTimeout(() => {
          this.budgetTimer = null;
          this.processInOrder();
        }, wait).unref();
        return;
      }
      this.early.delete(this.lastRid + 1);
      this.budget.charge(next.body.bytes);
      this.process(this.lastRid + 1, next.body, next.res);
    }
  }

  // --- StreamTransport -----------------------------------------------------------------

  sendHeader(attrs: Record<string, string>): void {
    // XEP-0206: the first header's attributes go on the creation response; restarts send none.
    this.header = attrs;
  }

  sendElement(element: Element): void {
    if (this.closing || this.ended) return;
    if (element.name === 'stream:error') this.streamError = boshConditionOf(element);
    const text = serializeForClient(element);
    this.queue.push(text);
    this.queuedSize += Buffer.byteLength(text);
    if (this.queuedSize > this.server.config.limits.max_outgoing_buffer) {
      // The client stopped collecting: drop the backlog and end the session.
      this.server.log.debug('ending a BOSH session whose output queue is full');
      this.abandon('policy-violation');
      return;
    }
    this.scheduleFlush();
  }

  close(): void {
    if (this.closing || this.ended) return;
    this.closing = { condition: this.streamError ?? undefined };
    this.scheduleFlush();
    this.checkIdle();
  }

  expectRestart(): void {
    // The client's next body carries xmpp:restart='true'; process() passes it on as a header.
  }

  setLimits(limits: ParserLimits): void {
    this.parserLimits = limits;
  }

  // --- Requests ------------------------------------------------------------------------

  private process(rid: number, body: BoshBody, res: BoshReply): void {
    this.lastRid = rid;
    if (xboshAttr(body.attrs, 'restart') === 'true') {
      this.stream.onHeader(streamHeader(body.attrs, this.streamDefaults));
    }
    for (const child of body.children) {
      if (this.closing) break;
      this.stream.onElement(child);
    }
    if (body.attrs.type === 'terminate' && !this.closing) this.stream.onClientClose();
    this.hold(rid, res);
  }

  private hold(rid: number, res: BoshReply): void {
    const entry: HeldRequest = {
      rid,
      res,
      timer: setTimeout(() => this.answer(entry), this.params.wait * 1000).unref(),
    };
    this.watch(entry);
    this.held.push(entry);
    while (this.held.length > this.params.hold && !this.closing) this.answer(this.held[0]!);
    this.scheduleFlush();
  }

  /** A rid seen before: the client lost our response, or retried a request that is still held. */
  private repeated(rid: number, res: BoshReply): void {
    const held = this.held.find((entry) => entry.rid === rid);
    if (held) {
      const previous = held.res;
      held.res = res;
      this.watch(held);
      previous.send(bodyXml({}));
      return;
    }
    const cached = this.responses.get(rid);
    if (cached !== undefined) res.send(cached);
    else this.terminate('item-not-found', res);
    this.checkIdle();
  }

  /** When the client gives up on a held request (or once we answered it), it is no longer held. */
  private watch(entry: HeldRequest): void {
    const { res } = entry;
    res.onClose(() => {
      if (entry.res !== res) return;
      this.unhold(entry);
      this.checkIdle();
    });
  }

  /** Responds to a held request with everything queued (possibly nothing). */
  private answer(entry: HeldRequest): void {
    this.unhold(entry);
    this.respond(entry.res, entry.rid, {}, this.takeQueue());
    this.checkIdle();
  }

  private unhold(entry: HeldRequest): void {
    clearTimeout(entry.timer);
    const index = this.held.indexOf(entry);
    if (index !== -1) this.held.splice(index, 1);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Deferred so that a burst of stanzas goes out in one body.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.ended || this.held.length === 0) return;
    if (this.closing) {
      // The final body: whatever is queued, then the terminate on every open request.
      const payload = this.takeQueue();
      for (const [index, entry] of this.held.entries()) {
        clearTimeout(entry.timer);
        this.respond(entry.res, entry.rid, this.closingAttrs(), index === 0 ? payload : '');
      }
      this.held = [];
      this.end();
    } else if (this.queue.length > 0) {
      this.answer(this.held[0]!);
    }
  }

  private respond(res: BoshReply, rid: number, attrs: Record<string, string | number | undefined>, payload: string): void {
    const text = bodyXml(attrs, payload);
    this.overactivity.answered(rid, payload);
    this.responses.set(rid, text);
    // Responses are kept for the rid window, so a lost one can be fetched again.
    for (const old of this.responses.keys()) {
      if (this.responses.size <= this.params.requests) break;
      this.responses.delete(old);
    }
    res.send(text);
  }

  private takeQueue(): string {
    const payload = this.queue.join('');
    this.queue = [];
    this.queuedSize = 0;
    return payload;
  }

  private closingAttrs(): Record<string, string | undefined> {
    return this.closing ? { type: 'terminate', condition: this.closing.condition } : {};
  }

  // --- Ending --------------------------------------------------------------------------

  /** A protocol violation by the client: answer this request with the condition, end at once. */
  private terminate(condition: TerminateCondition, res: BoshReply): void {
    if (!this.closing) {
      this.closing = { condition };
      this.takeQueue();
      this.stream.onTransportClosed();
    }
    res.send(bodyXml(this.closingAttrs()));
    this.end();
  }

  /** The server gives up on the session (output overflow): like a dropped socket. */
  private abandon(condition: TerminateCondition): void {
    this.closing = { condition };
    this.takeQueue();
    // Deferred: this can run in the middle of delivering a stanza to this very session.
    setImmediate(() => this.stream.onTransportClosed());
    this.scheduleFlush();
    this.checkIdle();
  }

  /** With no request open, the inactivity clock runs; when it runs out the session is over. */
  private checkIdle(): void {
    if (this.ended || this.held.length > 0 || this.early.size > 0 || this.inactivityTimer) return;
    this.inactivityTimer = setTimeout(() => {
      this.inactivityTimer = null;
      this.server.log.debug('BOSH session inactive for too long');
      this.stream.onTransportClosed();
      this.end();
    }, this.params.inactivity * 1000).unref();
  }

  private clearInactivity(): void {
    if (this.inactivityTimer) clearTimeout(this.inactivityTimer);
    this.inactivityTimer = null;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.closing ??= {};
    this.clearInactivity();
    if (this.budgetTimer) clearTimeout(this.budgetTimer);
    for (const entry of this.held) {
      clearTimeout(entry.timer);
      entry.res.send(bodyXml(this.closingAttrs()));
    }
    this.held = [];
    for (const request of this.early.values()) request.res.send(bodyXml(this.closingAttrs()));
    this.early.clear();
    this.responses.clear();
    this.options.admission.release();
    this.options.connections.delete(this.stream);
    this.options.onEnded(this);
  }
}

/** The stream header an XmppStream expects, from a creation or restart body. */
function streamHeader(attrs: Record<string, string>, defaults: Record<string, string>): Record<string, string> {
  const header: Record<string, string> = { ...defaults };
  if (attrs.to !== undefined) header.to = attrs.to;
  const version = xboshAttr(attrs, 'version');
  if (version !== undefined) header.version = version;
  if (attrs['xml:lang'] !== undefined) header['xml:lang'] = attrs['xml:lang'];
  if (attrs.from !== undefined) header.from = attrs.from;
  return header;
}

function boshConditionOf(error: Element): TerminateCondition {
  const condition = error.getChildElements().find((child) => child.attrs.xmlns === NS.streams)?.name;
  return condition !== undefined && BOSH_CONDITIONS.has(condition) ? condition as TerminateCondition : 'remote-stream-error';
}
