import type { BoshBody } from './body.js';
import { xboshAttr } from './body.js';
import type { BoshParams } from './params.js';

/**
 * XEP-0124 §11 and §12: a client asks for responses no faster than the session allows. An
 * empty request (no payload, not a pause, restart or terminate) that arrives within `polling`
 * seconds of the one before is overactive when
 * - with it, `requests` requests are open and none of them answered yet (§11), or,
 * - in a polling session (hold 0, where §12 replaces §11), the one before was empty too and
 *   got an empty answer.
 * The connection manager then terminates the session with policy-violation.
 */
export class OveractivityGuard {
  private previous: { rid: number; arrival: number; empty: boolean } | null = null;
  /** The last rid whose response carried no payload. */
  private lastEmptyAnswer = 0;

  constructor(private readonly params: BoshParams, private readonly now: () => number) {}

  /** A new request (not a repeat) arrives while `open` earlier ones are still unanswered. */
  isOveractive(rid: number, body: BoshBody, open: number): boolean {
    const arrival = this.now();
    const previous = this.previous;
    const empty = isEmptyRequest(body);
    this.previous = { rid, arrival, empty };
    if (!empty || previous === null || arrival - previous.arrival >= this.params.polling * 1000) return false;
    if (this.params.hold > 0) return open + 1 >= this.params.requests;
    return previous.empty && previous.rid === rid - 1 && this.lastEmptyAnswer === rid - 1;
  }

  /** The response to `rid` went out, with a payload or without. */
  answered(rid: number, payload: string): void {
    if (payload === '') this.lastEmptyAnswer = rid;
  }
}

function isEmptyRequest(body: BoshBody): boolean {
  return body.children.length === 0
    && body.attrs.pause === undefined
    && body.attrs.type !== 'terminate'
    && xboshAttr(body.attrs, 'restart') !== 'true';
}
