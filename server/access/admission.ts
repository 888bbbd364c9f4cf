import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestHandler } from 'express';
import type { AccessControl } from './control.js';
import type { ClientAddress } from './forwarded.js';

/** A short plain-text answer (refusals, not-found, failures), whoever writes it. */
export interface TextAnswer {
  status: number;
  text: string;
}

const BAD_FORWARDED_FOR: TextAnswer = { status: 400, text: 'Bad X-Forwarded-For header.\n' };
const OUTSIDE_ALLOWLIST: TextAnswer = { status: 403, text: 'Your network may not use this server.\n' };

/** The client behind an HTTP request (trusted proxies applied); null when a trusted proxy sent garbage. */
function clientFromRequest(access: AccessControl, req: IncomingMessage): ClientAddress | null {
  return access.resolveClient({
    peer: req.socket.remoteAddress,
    encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
    forwardedFor: req.headers['x-forwarded-for'],
    forwardedProto: req.headers['x-forwarded-proto'],
  });
}

/**
 * Every HTTP request is behind [access].allow: the client it comes from, or the refusal. An
 * unparsable X-Forwarded-For from a trusted proxy is a 400, an address outside the allowlist a 403.
 */
export function admitClient(access: AccessControl, req: IncomingMessage): ClientAddress | TextAnswer {
  const client = clientFromRequest(access, req);
  if (client === null) return BAD_FORWARDED_FOR;
  return access.admitsRequest(client.address) ? client : OUTSIDE_ALLOWLIST;
}

export function isTextAnswer(value: ClientAddress | TextAnswer): value is TextAnswer {
  return 'status' in value;
}

/** admitClient as the first middleware of the express app; routes read the client with admittedClient. */
export function admitRequests(access: AccessControl): RequestHandler {
  return (req, res, next) => {
    const admitted = admitClient(access, req);
    if (isTextAnswer(admitted)) {
      res.status(admitted.status).type('text/plain').send(admitted.text);
      return;
    }
    res.locals.client = admitted;
    next();
  };
}

/** The client admitRequests let in, for a route behind it. */
export function admittedClient(res: { locals: Record<string, unknown> }): ClientAddress {
  const client = res.locals.client as ClientAddress | undefined;
  if (!client) throw new Error('admittedClient used on a route that admitRequests does not guard');
  return client;
}
