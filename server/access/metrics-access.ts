import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/types.js';
import { NetworkList } from './address.js';
import type { TextAnswer } from './admission.js';

const BEARER = /^Bearer +(\S+) *$/i;

const WRONG_TOKEN: TextAnswer = { status: 401, text: 'Wrong metrics token.\n' };
const NOT_ALLOWED: TextAnswer = { status: 403, text: 'Metrics are not served to your network.\n' };

/**
 * Who may read /metrics: a request carrying `Authorization: Bearer <[metrics].token>` (when a
 * token is set), else a client in [metrics].allow. A token presented and wrong is a 401 from
 * anywhere, so that a scraper with a stale token is told so rather than let in by its network.
 * The config is read per request: a reload applies at once.
 */
export function metricsRefusal(config: Pick<Config, 'metrics'>, clientAddress: string, authorization: string | undefined): TextAnswer | null {
  const { token, allow } = config.metrics;
  if (token !== '' && authorization !== undefined) {
    const presented = BEARER.exec(authorization)?.[1];
    return presented !== undefined && sameSecret(presented, token) ? null : WRONG_TOKEN;
  }
  return new NetworkList(allow).contains(clientAddress) ? null : NOT_ALLOWED;
}

/** Constant-time comparison; hashing first makes the lengths equal without leaking them. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
