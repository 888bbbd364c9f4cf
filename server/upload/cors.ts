import type { RequestHandler } from 'express';
import type { Config } from '../config/types.js';
import { OriginPolicy } from '../access/origins.js';

const PREFLIGHT_MAX_AGE_S = 86_400;

/**
 * CORS for upload URLs. Browsers (Converse.js) PUT with `Authorization` and `Content-Type`
 * headers, which needs a preflight that allows both; the transports' CORS allows neither
 * PUT nor Authorization. Origins are the transports' ([http].cors_origins, by default the
 * origin of [listen].public_url). Another origin gets no CORS headers, so its page cannot
 * read or write uploads, while a plain link or <img> (no Origin header) works from anywhere.
 */
export function uploadCors(config: Config): RequestHandler {
  const origins = new OriginPolicy(config);
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin !== undefined && origins.allows(origin, req.headers.host)) {
      res.setHeader('Access-Control-Allow-Origin', origins.anyOrigin ? '*' : origin);
    }
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'PUT, GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
    res.status(204).end();
  };
}
