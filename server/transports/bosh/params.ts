import type { Config } from '../../config/types.js';

/** What a session was granted at creation (XEP-0124 §7.1); times in seconds as on the wire. */
export interface BoshParams {
  /** Longest a request is held waiting for data. */
  wait: number;
  /** Requests the server may hold at once. */
  hold: number;
  /** Requests the client may have open at once: the rid window. */
  requests: number;
  /** Longest the client may go without a request open before the session ends. */
  inactivity: number;
  /** Shortest interval between empty requests (XEP-0124 §11, §12; see overactivity.ts). */
  polling: number;
  /** The client asked for acknowledgements (ack='1'): the creation response echoes the rid. */
  ack: boolean;
}

const POLLING_S = 2;
const MAX_TIME_S = 3600;

/**
 * The client's wishes (wait, hold, ack) against [http] maxima. `requests` is hold + 1, as
 * XEP-0124 recommends, capped by bosh_max_requests; hold shrinks to fit. Null when an
 * attribute is present but not a number.
 */
export function negotiateParams(attrs: Record<string, string>, config: Pick<Config, 'http'>): BoshParams | null {
  const maxWait = seconds(config.http.bosh_max_wait);
  const maxRequests = config.http.bosh_max_requests;
  const wait = optionalNumber(attrs.wait, maxWait);
  const hold = optionalNumber(attrs.hold, 1);
  if (wait === null || hold === null) return null;
  const grantedHold = Math.min(hold, maxRequests - 1);
  return {
    wait: Math.min(wait, maxWait),
    hold: grantedHold,
    requests: Math.min(grantedHold + 1, maxRequests),
    inactivity: seconds(config.http.bosh_max_inactivity),
    polling: POLLING_S,
    ack: attrs.ack !== undefined,
  };
}

function optionalNumber(text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text)) return null;
  return Number(text);
}

function seconds(ms: number): number {
  return Math.max(1, Math.min(MAX_TIME_S, Math.ceil(ms / 1000)));
}
