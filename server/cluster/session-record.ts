import type { Element } from '../xml/element.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import type { Session, StanzaSink } from '../core/session.js';
import { parseElement } from '../xml/parse-element.js';

/**
 * What other nodes know of a session: the facts features read on sessions they do not hold
 * (RFC 6121 delivery and presence, roster pushes, carbons). Never the client's address.
 */
export interface SessionFacts {
  jid: Jid;
  presence: Element | null;
  priority: number;
  interestedInRoster: boolean;
  transportKind: StanzaSink['transportKind'];
  /** Values of shared state keys, by key name. */
  shared: Record<string, unknown>;
}

interface StoredRecord {
  /** Owning node's session id, so that a close request reaches that session and not its successor. */
  id: string;
  p: string | null;
  pr: number;
  r: boolean;
  t: StanzaSink['transportKind'];
  s: Record<string, unknown>;
}

/** A record is one session's facts; a presence element is capped well below this by the stream. */
export const MAX_RECORD_LENGTH = 64 * 1024;
const TRANSPORTS = new Set<string>(['tcp', 'websocket', 'bosh']);

export function encodeSession(session: Session): string {
  const record: StoredRecord = {
    id: session.id,
    p: session.presence?.toString() ?? null,
    pr: session.priority,
    r: session.interestedInRoster,
    t: session.transportKind,
    s: session.sharedState(),
  };
  return JSON.stringify(record);
}

/** The facts in a record another node wrote, or null when it is not one (logged by the caller). */
export function decodeSession(fullJid: string, text: string): (SessionFacts & { id: string }) | null {
  const jid = tryParseJid(fullJid);
  if (!jid || jid.resource === null || text.length > MAX_RECORD_LENGTH) return null;
  let record: Partial<StoredRecord>;
  try {
    record = JSON.parse(text) as Partial<StoredRecord>;
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null) return null;
  const { id, p, pr, r, t, s } = record;
  if (typeof id !== 'string' || id.length > 64) return null;
  if (typeof pr !== 'number' || !Number.isInteger(pr) || pr < -128 || pr > 127) return null;
  if (typeof r !== 'boolean' || typeof t !== 'string' || !TRANSPORTS.has(t)) return null;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return null;
  let presence: Element | null = null;
  if (p !== null) {
    if (typeof p !== 'string') return null;
    const parsed = parseElement(p);
    if (!parsed || parsed.name !== 'presence') return null;
    presence = parsed;
  }
  return { id, jid, presence, priority: pr, interestedInRoster: r, transportKind: t, shared: s };
}
