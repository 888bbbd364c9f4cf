import type { StreamErrorCondition } from '../xml/errors.js';

/**
 * What travels on a member's inbox channel: for one of its sessions, a stanza to send or a
 * request to close the stream; for many of them, one stanza (without `to`) to each; or a
 * stanza for a room this member serves, with the address it came from. Line-based so that
 * the stanza, serialised once by the sender, is not escaped again:
 * `S\n<session id>\n<full JID>\n<stanza>`, `C\n<session id>\n<full JID>\n<condition or empty>`,
 * `M\n-\n<full JID>\t<full JID>…\n<stanza>`, `F\n-\n<from>\n<stanza>`. A JID holds no
 * line break or tab (PRECIS forbids control characters).
 */
export type InboxFrame =
  | { kind: 'send'; sessionId: string; jid: string; stanza: string }
  | { kind: 'close'; sessionId: string; jid: string; condition: StreamErrorCondition | null }
  | { kind: 'each'; jids: string[]; stanza: string }
  | { kind: 'forward'; from: string; stanza: string };

/** More recipients than a room can have: a frame that names more is not one a node wrote. */
const MAX_RECIPIENTS = 100_000;

const CONDITIONS = new Set<string>([
  'bad-format', 'bad-namespace-prefix', 'conflict', 'connection-timeout', 'host-gone', 'host-unknown',
  'improper-addressing', 'internal-server-error', 'invalid-from', 'invalid-namespace', 'invalid-xml',
  'not-authorized', 'not-well-formed', 'policy-violation', 'remote-connection-failed', 'reset',
  'resource-constraint', 'restricted-xml', 'see-other-host', 'system-shutdown', 'undefined-condition',
  'unsupported-encoding', 'unsupported-feature', 'unsupported-stanza-type', 'unsupported-version',
] satisfies StreamErrorCondition[]);

export function sendFrame(sessionId: string, jid: string, stanza: string): string {
  return `S\n${sessionId}\n${jid}\n${stanza}`;
}

export function closeFrame(sessionId: string, jid: string, condition: StreamErrorCondition | null): string {
  return `C\n${sessionId}\n${jid}\n${condition ?? ''}`;
}

export function eachFrame(jids: readonly string[], stanza: string): string {
  return `M\n-\n${jids.join('\t')}\n${stanza}`;
}

export function forwardFrame(from: string, stanza: string): string {
  return `F\n-\n${from}\n${stanza}`;
}

/** The frame, or null for anything else (the caller logs and drops it). */
export function parseFrame(text: string): InboxFrame | null {
  const first = text.indexOf('\n');
  const second = first < 0 ? -1 : text.indexOf('\n', first + 1);
  const third = second < 0 ? -1 : text.indexOf('\n', second + 1);
  if (third < 0) return null;
  const kind = text.slice(0, first);
  const sessionId = text.slice(first + 1, second);
  const jid = text.slice(second + 1, third);
  const rest = text.slice(third + 1);
  if (sessionId === '' || jid === '') return null;
  if (kind === 'M') {
    const jids = jid.split('\t');
    return jids.length <= MAX_RECIPIENTS ? { kind: 'each', jids, stanza: rest } : null;
  }
  if (kind === 'F') return { kind: 'forward', from: jid, stanza: rest };
  if (kind === 'S') return { kind: 'send', sessionId, jid, stanza: rest };
  if (kind === 'C' && (rest === '' || CONDITIONS.has(rest))) {
    return { kind: 'close', sessionId, jid, condition: rest === '' ? null : rest as StreamErrorCondition };
  }
  return null;
}
