import { xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';

/** The XEP-0198 nonzas the server sends. */

export function ackRequest(): Element {
  return xml('r', { xmlns: NS.sm });
}

export function ack(h: number): Element {
  return xml('a', { xmlns: NS.sm, h: String(h) });
}

export function enabled(id: string | null, maxSeconds: number): Element {
  return id === null ? xml('enabled', { xmlns: NS.sm }) : xml('enabled', { xmlns: NS.sm, id, resume: 'true', max: String(maxSeconds) });
}

export function resumed(previd: string, h: number): Element {
  return xml('resumed', { xmlns: NS.sm, previd, h: String(h) });
}

/** <failed/> with a stanza error condition; h when the server knows the session's count. */
export function failed(condition: string, h?: number, extra?: Element): Element {
  return xml('failed', h === undefined ? { xmlns: NS.sm } : { xmlns: NS.sm, h: String(h) },
    xml(condition, { xmlns: NS.stanzas }), extra);
}

/** XEP-0198 §4: the peer acknowledged more stanzas than were sent. */
export function handledCountTooHigh(h: number, sendCount: number): Element {
  return xml('handled-count-too-high', { xmlns: NS.sm, h: String(h), 'send-count': String(sendCount) });
}
