import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamContext } from '../../stream/context.js';
import type { ClientAddress } from '../../access/forwarded.js';
import { DEFAULT_LIMITS, type ParserLimits } from '../../xml/stream-parser.js';
import type { ConnectionTracker } from '../connections.js';
import { isBodyFailure, parseRid, readBody, terminateXml, writeBody, type BoshBody, type TerminateCondition } from './body.js';
import { negotiateParams } from './params.js';
import { BoshSession } from './session.js';

/** Sessions on this listener at most, whatever the per-address limit allows. */
const MAX_SESSIONS = 50_000;
/** The limits for a creation body, which carries no stanza. */
const CREATION_LIMITS: ParserLimits = { ...DEFAULT_LIMITS, maxStanzaSize: 4096, maxDepth: 8, maxElements: 20 };

/**
 * /http-bind: creates BOSH sessions and hands each later request to its session by sid.
 * Unknown sids and malformed bodies are answered here (XEP-0124 §17: terminal conditions in a
 * 200 body; a body that is not XML, or too big, with 400 or 413).
 */
export class BoshEndpoint {
  private readonly sessions = new Map<string, BoshSession>();
  /** One stanza at the cap plus another, with room for the <body/> around them. */
  private readonly maxBodyBytes: number;
  private stopping = false;

  constructor(private readonly server: StreamContext, private readonly connections: ConnectionTracker) {
    this.maxBodyBytes = 2 * server.config.limits.max_stanza_size + 4096;
    // The sessions themselves are ended by the ConnectionTracker, with system-shutdown.
    server.events.on('shutdown', () => {
      this.stopping = true;
    });
  }

  /** A POSTed body from this (admitted) client. */
  async post(req: IncomingMessage, res: ServerResponse, client: ClientAddress): Promise<void> {
    const body = await readBody(req, this.maxBodyBytes, (attrs) => this.sessions.get(attrs.sid ?? '')?.limits ?? CREATION_LIMITS);
    if (isBodyFailure(body)) {
      // The rest of the body is not read: the connection cannot carry another request.
      if (body.status === 413) res.setHeader('Connection', 'close');
      reply(res, body.condition, body.status);
      return;
    }
    const rid = parseRid(body.attrs.rid);
    if (rid === null) return reply(res, 'bad-request', 400);
    const sid = body.attrs.sid;
    if (sid === undefined) return this.create(rid, body, res, client);
    const session = this.sessions.get(sid);
    if (!session) return reply(res, 'item-not-found');
    session.receive(rid, body, res);
  }

  private create(rid: number, body: BoshBody, res: ServerResponse, client: ClientAddress): void {
    if (this.stopping) return reply(res, 'system-shutdown');
    const params = negotiateParams(body.attrs, this.server.config);
    if (!params) return reply(res, 'bad-request', 400);
    if (this.sessions.size >= MAX_SESSIONS) return reply(res, 'remote-connection-failed');
    const admission = this.server.access.admit(client.address);
    if (!admission) return reply(res, 'policy-violation');
    const session = new BoshSession(this.server, {
      sid: randomBytes(18).toString('base64url'),
      params,
      remoteAddress: client.address,
      secure: client.secure,
      admission,
      connections: this.connections,
      onEnded: (ended) => this.sessions.delete(ended.sid),
    });
    this.sessions.set(session.sid, session);
    session.start(rid, body, res);
  }
}

function reply(res: ServerResponse, condition: TerminateCondition, status = 200): void {
  writeBody(res, terminateXml(condition), status);
}
