/**
 * Messages on the directory channel. Each member numbers its changes (`q`); its sessions hash
 * holds the number of the last one, so a node that loads the hash while changes arrive keeps
 * only the newer ones.
 */
export type DirectoryEvent =
  | { m: string; q: number; op: 'put'; j: string; r: string }
  | { m: string; q: number; op: 'del'; j: string }
  /** The member's hash was rewritten (after it lost Redis for a while): read it again. */
  | { m: string; q: number; op: 'reset' }
  /** The member is dead and cleaned up. */
  | { m: string; op: 'gone' };

const MAX_EVENT_LENGTH = 96 * 1024;

/** The event, or null for anything else (logged and dropped by the caller). */
export function parseDirectoryEvent(text: string): DirectoryEvent | null {
  if (text.length > MAX_EVENT_LENGTH) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const event = value as Record<string, unknown>;
  if (typeof event.m !== 'string' || event.m === '') return null;
  if (event.op === 'gone') return { m: event.m, op: 'gone' };
  if (typeof event.q !== 'number' || !Number.isSafeInteger(event.q)) return null;
  if (event.op === 'reset') return { m: event.m, q: event.q, op: 'reset' };
  if (typeof event.j !== 'string') return null;
  if (event.op === 'del') return { m: event.m, q: event.q, op: 'del', j: event.j };
  if (event.op === 'put' && typeof event.r === 'string') return { m: event.m, q: event.q, op: 'put', j: event.j, r: event.r };
  return null;
}
