import { createHash } from 'node:crypto';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';

/** The answer channel of one BOSH request (transports/bosh/reply.ts BoshReply, which this layer does not import). */
export interface RelayedReply {
  send(text: string, status?: number): void;
  onClose(listener: () => void): void;
}

type RelayHandler = (raw: Buffer, reply: RelayedReply) => void;

/** As transports/bosh/relay.ts SID_ROUTE_LENGTH: the sid's first characters name the node. */
const ROUTE_LENGTH = 8;
const ROUTE = /^[A-Za-z0-9_-]{8}/;
/** A node that does not answer a relayed request within the longest wait plus this is taken to have died with it. */
const ANSWER_MARGIN_MS = 10_000;
const ITEM_NOT_FOUND = "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>";
const EMPTY_BODY = "<body xmlns='http://jabber.org/protocol/httpbind'/>";

/**
 * BOSH across nodes, over Redis. Each member hands out sids that start with its route (eight
 * characters of a hash of its member id) and listens on the channel `bosh:<route>`. A node
 * that receives a request for a sid of another route publishes it there as read (Q); the
 * owner serves it as its own and publishes the answer back on the sender's channel (A), when
 * it has one: a held request stays held on the owner, for the session's `wait`. When the
 * client gives up on a request (its connection closes), the sender tells the owner (X), which
 * stops holding it, as it would for a request of its own.
 *
 * No lookup and no key to keep alive: the route is in the sid. PUBLISH counts its receivers,
 * so a sid whose node is gone is answered item-not-found at once, as an unknown sid is.
 *
 * Frames: `Q\n<sender route>\n<request id>\n<body bytes>`, `A\n<request id>\n<status>\n<body>`,
 * `X\n<sender route>\n<request id>\n`.
 */
export class RedisBoshRelay {
  readonly sidPrefix: string;
  private readonly channel: string;
  private readonly maxFrameBytes: number;
  private readonly answerDeadlineMs: number;
  private nextId = 0;
  /** Requests this node passed on and waits to answer. */
  private readonly waiting = new Map<string, { reply: RelayedReply; route: string; timer: NodeJS.Timeout }>();
  /** Requests other nodes passed here, until answered or given up: their close listeners. */
  private readonly serving = new Map<string, () => void>();
  private handler: RelayHandler | null = null;

  constructor(private readonly connection: ClusterConnection, config: Config, private readonly log: Logger) {
    this.sidPrefix = routeOf(connection.member);
    this.channel = this.channelOf(this.sidPrefix);
    // A request body at its cap, or an answer with the whole outgoing queue, and the frame's lines.
    this.maxFrameBytes = Math.max(2 * config.limits.max_stanza_size + 4096, config.limits.max_outgoing_buffer + 64 * 1024) + 256;
    this.answerDeadlineMs = config.http.bosh_max_wait + ANSWER_MARGIN_MS;
  }

  /** Subscribes to this node's channel. */
  async start(): Promise<void> {
    this.connection.subscriber.on('messageBuffer', (channel: Buffer, frame: Buffer) => {
      if (channel.toString() !== this.channel) return;
      try {
        this.receive(frame);
      } catch (error) {
        this.log.error({ err: error }, 'cluster: a relayed BOSH request failed');
      }
    });
    await this.connection.subscriber.subscribe(this.channel);
  }

  serve(handler: RelayHandler): void {
    this.handler = handler;
  }

  forward(sid: string, raw: Buffer, reply: RelayedReply): void {
    if (!ROUTE.test(sid)) {
      reply.send(ITEM_NOT_FOUND);
      return;
    }
    const route = sid.slice(0, ROUTE_LENGTH);
    const id = String(++this.nextId);
    const timer = setTimeout(() => this.giveUp(id, EMPTY_BODY), this.answerDeadlineMs).unref();
    this.waiting.set(id, { reply, route, timer });
    reply.onClose(() => this.giveUp(id, null));
    const frame = Buffer.concat([Buffer.from(`Q\n${this.sidPrefix}\n${id}\n`), raw]);
    this.connection.redis.publish(this.channelOf(route), frame).then((receivers) => {
      if (receivers === 0) this.giveUp(id, ITEM_NOT_FOUND);
    }, (error: unknown) => {
      this.log.warn({ err: error }, 'cluster: could not pass a BOSH request to its node');
      this.giveUp(id, ITEM_NOT_FOUND);
    });
  }

  /** Ends a request this node passed on: answers it with `text` (null: its client went away) and frees the owner's hold. */
  private giveUp(id: string, text: string | null): void {
    const entry = this.waiting.get(id);
    if (!entry) return;
    this.waiting.delete(id);
    clearTimeout(entry.timer);
    if (text !== null) entry.reply.send(text);
    this.publish(entry.route, `X\n${this.sidPrefix}\n${id}\n`);
  }

  private receive(frame: Buffer): void {
    if (frame.length > this.maxFrameBytes) {
      this.log.warn({ length: frame.length }, 'cluster: dropping an oversized BOSH frame');
      return;
    }
    const parsed = splitFrame(frame);
    if (!parsed) {
      this.log.warn({ length: frame.length }, 'cluster: dropping a BOSH frame that does not read');
      return;
    }
    const { kind, first, second, rest } = parsed;
    if (kind === 'Q') this.request(first, second, rest);
    else if (kind === 'A') this.answer(first, Number(second), rest.toString('utf8'));
    else if (kind === 'X') this.serving.get(`${first}/${second}`)?.();
  }

  /** A request another node passed here: served as one of this node's, answered on the sender's channel. */
  private request(route: string, id: string, raw: Buffer): void {
    const key = `${route}/${id}`;
    if (!ROUTE.test(route) || !this.handler || this.serving.has(key)) return;
    const listeners: (() => void)[] = [];
    let over = false;
    const close = (): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      this.serving.delete(key);
      for (const listener of listeners) listener();
    };
    // Should the sender die without a word, the request is not held past any wait.
    const timer = setTimeout(close, this.answerDeadlineMs).unref();
    this.serving.set(key, close);
    this.handler(raw, {
      send: (text, status = 200) => {
        if (over) return;
        this.publish(route, `A\n${id}\n${status}\n${text}`);
        close();
      },
      onClose: (listener) => {
        listeners.push(listener);
      },
    });
  }

  private answer(id: string, status: number, text: string): void {
    const entry = this.waiting.get(id);
    if (!entry) return;
    this.waiting.delete(id);
    clearTimeout(entry.timer);
    entry.reply.send(text, Number.isInteger(status) && status >= 200 && status < 600 ? status : 502);
  }

  private publish(route: string, frame: string): void {
    this.connection.redis.publish(this.channelOf(route), frame).catch((error: unknown) => {
      this.log.warn({ err: error }, 'cluster: a BOSH answer for another node was lost');
    });
  }

  private channelOf(route: string): string {
    return `${this.connection.prefix}bosh:${route}`;
  }

  /** Answers what still waits (the node is stopping): the clients retry, and reach another node. */
  stop(): void {
    for (const id of [...this.waiting.keys()]) this.giveUp(id, EMPTY_BODY);
    for (const close of [...this.serving.values()]) close();
  }
}

/** A frame's kind, its two header fields and the bytes after them; null when it is none. */
function splitFrame(frame: Buffer): { kind: string; first: string; second: string; rest: Buffer } | null {
  const ends: number[] = [];
  for (let from = 0; ends.length < 3; from = ends.at(-1)! + 1) {
    const end = frame.indexOf(10, from);
    if (end < 0 || end - from > 64) return null;
    ends.push(end);
  }
  const [kindEnd, firstEnd, secondEnd] = ends as [number, number, number];
  const kind = frame.toString('latin1', 0, kindEnd);
  if (kind !== 'Q' && kind !== 'A' && kind !== 'X') return null;
  return {
    kind,
    first: frame.toString('latin1', kindEnd + 1, firstEnd),
    second: frame.toString('latin1', firstEnd + 1, secondEnd),
    rest: frame.subarray(secondEnd + 1),
  };
}

/** Eight URL-safe characters that stand for a member in the sids it hands out. */
function routeOf(member: string): string {
  return createHash('sha256').update(member).digest('base64url').slice(0, ROUTE_LENGTH);
}
