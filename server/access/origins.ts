import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/types.js';
import { isLoopbackHost } from '../config/address.js';
import type { TextAnswer } from './admission.js';

/**
 * Which browser origins may use the transports ([http].cors_origins; by default the origin of
 * [listen].public_url). Used for CORS headers and for the Origin check on WebSocket upgrades.
 *
 * Also allowed: a page served from this listener at a loopback address (http://127.0.0.1:5280
 * talking to 127.0.0.1:5280), so that a local install works whatever public_url says. Only
 * loopback literals and "localhost" count, never an arbitrary Host header: a DNS-rebinding
 * page has its own host name as its origin, so it cannot pass as same-origin.
 */
export class OriginPolicy {
  private readonly origins: ReadonlySet<string>;
  readonly anyOrigin: boolean;

  constructor(config: Pick<Config, 'http' | 'listen'>) {
    const configured = config.http.cors_origins.length > 0 ? config.http.cors_origins : [new URL(config.listen.public_url).origin];
    this.origins = new Set(configured);
    this.anyOrigin = this.origins.has('*');
  }

  /**
   * May a request with this Origin header use the transports? No Origin means no browser
   * (or a same-origin GET), and is allowed: the allowlist still applies.
   */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.anyOrigin || this.origins.has(origin)) return true;
    return isLocalSameOrigin(origin, host);
  }
}

function isLocalSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.host === host.toLowerCase() && isLoopbackHost(url.hostname);
}

const PREFLIGHT_MAX_AGE_S = 86_400;

/** What CORS makes of a request to a transport. */
export interface CorsAnswer {
  /** Headers for whatever answers the request, refusal included: Vary: Origin at least. */
  headers: Readonly<Record<string, string>>;
  /** Set for a browser origin that may not use the transports: the whole answer. */
  refusal: TextAnswer | null;
  /** An allowed preflight: a 204 with the headers is the whole answer. */
  preflight: boolean;
}

const VARY = { Vary: 'Origin' } as const;
const PREFLIGHT_HEADERS = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_S),
} as const;
const REFUSED: CorsAnswer = { headers: VARY, refusal: { status: 403, text: 'This origin may not use this server.\n' }, preflight: false };
/** Requests without Origin (no browser), the common case: shared answers. */
const PLAIN: CorsAnswer = { headers: VARY, refusal: null, preflight: false };
const PLAIN_PREFLIGHT: CorsAnswer = { headers: { ...VARY, ...PREFLIGHT_HEADERS }, refusal: null, preflight: true };

/**
 * CORS for the transports: an allowed Origin gets the headers (and preflights a 204); a
 * request from any other browser origin is refused with 403, the same rule as the Origin
 * check on WebSocket upgrades. Requests without Origin (non-browser clients) pass.
 */
export function corsFor(origins: OriginPolicy, req: Pick<IncomingMessage, 'method' | 'headers'>): CorsAnswer {
  const origin = req.headers.origin;
  const preflight = req.method === 'OPTIONS';
  if (origin === undefined) return preflight ? PLAIN_PREFLIGHT : PLAIN;
  if (!origins.allows(origin, req.headers.host)) return REFUSED;
  const headers = { ...VARY, 'Access-Control-Allow-Origin': origins.anyOrigin ? '*' : origin };
  return { headers: preflight ? { ...headers, ...PREFLIGHT_HEADERS } : headers, refusal: null, preflight };
}
