import { escapeXML } from 'ltx';
import { xml, type Element } from '../xml/element.js';
import { SerializedElement } from '../xml/serialized-element.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import type { HistoryMessage } from './room-history.js';
import type { MucContext } from './context.js';
import type { Room } from './room.js';

/** XEP-0045 §7.2.15: what the joiner asked for in <history/>; absent limits are undefined. */
export interface HistoryRequest {
  maxStanzas?: number;
  maxChars?: number;
  seconds?: number;
  since?: number;
}

export function parseHistoryRequest(mucX: Element | undefined): HistoryRequest {
  const history = mucX?.getChild('history');
  if (!history) return {};
  const since = history.attrs.since === undefined ? NaN : Date.parse(history.attrs.since);
  return {
    maxStanzas: count(history.attrs.maxstanzas),
    maxChars: count(history.attrs.maxchars),
    seconds: count(history.attrs.seconds),
    since: Number.isNaN(since) ? undefined : since,
  };
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Sends the room's recent messages to a joiner, each with <delay from=room>: at most the
 * room's history length, and no more than any limit the client set (the smallest wins).
 */
export function sendHistory(muc: MucContext, room: Room, to: Jid, request: HistoryRequest): void {
  const max = Math.min(room.config.historyLength, request.maxStanzas ?? Infinity);
  if (max <= 0 || request.maxChars === 0) return;
  const kept = { room, max, messages: [] as HistoryMessage[] };
  muc.events.emit('history-get', kept);
  let messages = kept.messages;
  const now = muc.server.now();
  const notBefore = Math.max(
    request.since ?? -Infinity,
    request.seconds === undefined ? -Infinity : now - request.seconds * 1000);
  messages = messages.filter((message) => message.timestamp >= notBefore);
  const stanzas = messages.map((message) => delayed(room, message, to));
  let first = 0;
  if (request.maxChars !== undefined) {
    let chars = 0;
    first = stanzas.length;
    while (first > 0) {
      chars += stanzas[first - 1]!.toString().length;
      if (chars > request.maxChars) break;
      first--;
    }
  }
  for (const stanza of stanzas.slice(first)) muc.deliver(to, stanza);
}

const OPEN = '<message';
const CLOSE = '</message>';

/**
 * The history copy for one joiner: the stored text with `to` and a <delay/> spliced in, when
 * the store kept it as text (no parse, no rebuild); built from the element otherwise, or
 * when the stored message carries a delay of its own, which is replaced.
 */
function delayed(room: Room, message: HistoryMessage, to: Jid): Element {
  const text = message.text;
  if (text === undefined || !text.startsWith(`${OPEN} `) || !text.endsWith(CLOSE) || text.includes(NS.delay)) {
    return rebuilt(room, message, to);
  }
  const recipient = to.toString();
  const spliced = `${OPEN} to="${escapeXML(recipient)}"${text.slice(OPEN.length, -CLOSE.length)}${delayOf(room, message).toString()}${CLOSE}`;
  return SerializedElement.withoutChildren('message', { to: recipient }, spliced, () => rebuilt(room, message, to));
}

function rebuilt(room: Room, message: HistoryMessage, to: Jid): Element {
  const stored = message.stanza;
  const copy = xml('message', { ...stored.attrs, to: to.toString() });
  copy.children = stored.children.filter((child) => typeof child === 'string' || !isDelay(child));
  copy.cnode(delayOf(room, message));
  return copy;
}

function delayOf(room: Room, message: HistoryMessage): Element {
  return xml('delay', { xmlns: NS.delay, from: room.jid.toString(), stamp: new Date(message.timestamp).toISOString() });
}

function isDelay(child: Element): boolean {
  return child.name === 'delay' && child.getNS() === NS.delay;
}
