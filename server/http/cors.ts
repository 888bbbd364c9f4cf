import type { RequestHandler } from 'express';
import type { OriginPolicy } from './origins.js';

const PREFLIGHT_MAX_AGE_S = 86_400;

/**
 * CORS for the transports: an allowed Origin gets the headers (and preflights a 204); a
 * request from any other browser origin is refused with 403, the same rule as the Origin
 * check on WebSocket upgrades. Requests without Origin (non-browser clients) pass.
 */
export function cors(origins: OriginPolicy, methods = 'GET, POST, OPTIONS'): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin !== undefined) {
      if (!origins.allows(origin, req.headers.host)) {
        res.status(403).type('text/plain').send('This origin may not use this server.\n');
        return;
      }
      res.set('Access-Control-Allow-Origin', origins.anyOrigin ? '*' : origin);
    }
    if (req.method === 'OPTIONS') {
      res.set({
        'Access-Control-Allow-Methods': methods,
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
      });
      res.sendStatus(204);
      return;
    }
    next();
  };
}
