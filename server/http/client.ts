import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Request, RequestHandler } from 'express';
import type { AccessControl } from '../access/control.js';
import type { ClientAddress } from '../access/forwarded.js';

const clients = new WeakMap<IncomingMessage, ClientAddress>();

/** The client behind an HTTP request (trusted proxies applied); null when a trusted proxy sent garbage. */
export function clientFromRequest(access: AccessControl, req: IncomingMessage): ClientAddress | null {
  return access.resolveClient({
    peer: req.socket.remoteAddress,
    encrypted: (req.socket as Partial<TLSSocket>).encrypted === true,
    forwardedFor: req.headers['x-forwarded-for'],
    forwardedProto: req.headers['x-forwarded-proto'],
  });
}

/**
 * The first middleware on the listener: every route is behind [access].allow. An unparsable
 * X-Forwarded-For from a trusted proxy is a 400, an address outside the allowlist a 403.
 */
export function admitRequests(access: AccessControl): RequestHandler {
  return (req, res, next) => {
    const client = clientFromRequest(access, req);
    if (client === null) {
      res.status(400).type('text/plain').send('Bad X-Forwarded-For header.\n');
      return;
    }
    if (!access.allows(client.address)) {
      res.status(403).type('text/plain').send('Your network may not use this server.\n');
      return;
    }
    clients.set(req, client);
    next();
  };
}

/** For route handlers (per-address limits, BOSH): the client that admitRequests resolved. */
export function clientOf(req: Request): ClientAddress {
  const client = clients.get(req);
  if (!client) throw new Error('clientOf() on a request that did not pass admitRequests');
  return client;
}
