import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamContext } from '../../stream/context.js';
import type { ClientAddress } from '../../access/forwarded.js';
import { DEFAULT_LIMITS, type ParserLimits } from '../../xml/stream-parser.js';
import type { ConnectionTracker } from '../connections.js';
import { isBodyFailure, parseBody, parseRid, peekSid, readRawBody, terminateXml, type BoshBody, type TerminateCondition } from './body.js';
import { negotiateParams } from './params.js';
import { httpReply, type BoshReply } from './reply.js';
import type { BoshRelay } from './relay.js';
import { BoshSession } from './session.js';

/** Sessions on this listener at most, whatever the per-address limit allows. */
const MAX_SESSIONS = 50_000;
/** The limits for a creation body, which carries no stanza. */
const CREATION_LIMITS: ParserLimits = { ...DEFAULT_LIMITS, maxStanzaSize: 4096, maxDepth: 8, maxElements: 20 };

/**
 * /http-bind: creates BOSH sessions and hands each later request to its session by sid.
 * Unknown sids and malformed bodies are answered here (XEP-0124 §17: terminal conditions in a
 * 200 body; a body that is not XML, or too big, with 400 or 413). On a cluster, a request for
 * a session of another node is passed there through the relay, and requests other nodes pass
 * here are served as if they had come in directly.
 */
export class BoshEndpoint {
  private readonly sessions = new Map<string, BoshSession>();
  /** One stanza at the cap plus another, with room for the <body/> around them. */
  private readonly maxBodyBytes: number;
  private stopping = false;

  constructor(private readonly server: StreamContext, private readonly connections: ConnectionTracker, private readonly relay: BoshRelay | null = null) {
    this.maxBodyBytes = 2 * server.config.limits.max_stanza_size + 4096;
    // The sessions themselves are ended by the ConnectionTracker, with system-shutdown.
    server.events.on('shutdown', () => {
      this.stopping = true;
    });
    relay?.serve((raw, reply) => this.serveRaw(raw, reply, null));
  }

  /** A POSTed body from this (admitted) client. */
  async post(req: IncomingMessage, res: ServerResponse, client: ClientAddress): Promise<void> {
    const raw = await readRawBody(req, this.maxBodyBytes);
    if (isBodyFailure(raw)) {
      // The rest of the body is not read: the connection cannot carry another request.
      if (raw.status === 413) res.setHeader('Connection', 'close');
      return reply(httpReply(res), raw.condition, raw.status);
    }
    const sid = this.relay ? peekSid(raw) : null;
    if (this.relay && sid && !this.sessions.has(sid) && !sid.startsWith(this.relay.sidPrefix)) {
      this.relay.forward(sid, raw, httpReply(res));
      return;
    }
    this.serveRaw(raw, httpReply(res), client);
  }

  /** A body read whole; `client` is null for one another node passed on (it names an existing session). */
  private serveRaw(raw: Buffer, answer: BoshReply, client: ClientAddress | null): void {
    const body = parseBody(raw, (attrs) => this.sessions.get(attrs.sid ?? '')?.limits ?? CREATION_LIMITS);
    if (isBodyFailure(body)) return reply(answer, body.condition, body.status);
    const rid = parseRid(body.attrs.rid);
    if (rid === null) return reply(answer, 'bad-request', 400);
    const sid = body.attrs.sid;
    if (sid === undefined) {
      if (client) this.create(rid, body, answer, client);
      else reply(answer, 'item-not-found');
      return;
    }
    const session = this.sessions.get(sid);
    if (!session) return reply(answer, 'item-not-found');
    session.receive(rid, body, answer);
  }

  private create(rid: number, body: BoshBody, answer: BoshReply, client: ClientAddress): void {
    if (this.stopping) return reply(answer, 'system-shutdown');
    const params = negotiateParams(body.attrs, this.server.config);
    if (!params) return reply(answer, 'bad-request', 400);
    if (this.sessions.size >= MAX_SESSIONS) return reply(answer, 'remote-connection-failed');
    const admission = this.server.access.admit(client.address);
    if (!admission) return reply(answer, 'policy-violation');
    const session = new BoshSession(this.server, {
      sid: (this.relay?.sidPrefix ?? '') + randomBytes(18).toString('base64url'),
      params,
      remoteAddress: client.address,
      secure: client.secure,
      admission,
      connections: this.connections,
      onEnded: (ended) => this.sessions.delete(ended.sid),
    });
    this.sessions.set(session.sid, session);
    session.start(rid, body, answer);
  }
}

function reply(answer: BoshReply, condition: TerminateCondition, status = 200): void {
  answer.send(terminateXml(condition), status);
}
