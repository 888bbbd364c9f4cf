import type { Config } from '../config/types.js';
import { isLoopbackHost } from '../config/address.js';

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
