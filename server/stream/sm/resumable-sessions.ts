import { timingSafeEqual } from 'node:crypto';
import type { ServerEvents } from '../../core/events.js';
import type { Session } from '../../core/session.js';
import { randomId } from '../../util/random-ids.js';
import type { StreamManagement } from './stream-management.js';

/** 24 random bytes: the id is the proof that a guest resumes its own session. */
const ID_BYTES = 24;
/** The part of the id the map is keyed by; the whole id is then compared in constant time. */
const KEY_LENGTH = 12;

/** The connection a resumable session is on, which lets it go when another connection resumes it. */
export interface SessionHolder {
  /** Gives the session up (without ending it) and closes the connection with <conflict/>. */
  handOver(): void;
}

interface Entry {
  readonly id: string;
  readonly session: Session;
  readonly sm: StreamManagement;
  holder: SessionHolder | null;
  timer: NodeJS.Timeout | null;
  /** Ends the session for good (set when it detaches). */
  end: (() => void) | null;
}

export type TakeOutcome =
  | { kind: 'taken'; session: Session; sm: StreamManagement }
  | { kind: 'unknown' };

/**
 * The sessions with XEP-0198 resumption enabled, attached or waiting for their client, by
 * resumption id. A detached session stays bound (in the session registry, present in its
 * rooms, its stanzas queued) until its client resumes or its time runs out.
 */
export class ResumableSessions {
  private readonly entries = new Map<string, Entry>();

  constructor(events: ServerEvents) {
    events.on('shutdown', () => {
      for (const entry of [...this.entries.values()]) entry.end?.();
    });
  }

  /** Detached sessions (waiting for their client to come back). */
  get detachedCount(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (!entry.holder) count += 1;
    return count;
  }

  newId(): string {
    return randomId(ID_BYTES);
  }

  register(id: string, session: Session, sm: StreamManagement, holder: SessionHolder): void {
    this.entries.set(id.slice(0, KEY_LENGTH), { id, session, sm, holder, timer: null, end: null });
  }

  /** The connection is gone: the session waits `timeout` ms for a resume, then end() ends it. */
  detach(id: string, timeout: number, end: () => void): void {
    const entry = this.find(id);
    if (!entry) return;
    entry.holder = null;
    entry.end = end;
    entry.timer = setTimeout(end, timeout);
    entry.timer.unref();
  }

  /**
   * A client asks to resume `id`: the session, if it exists and belongs to who asks, taken
   * from the connection that holds it (if any) and no longer timed. `owns` checks the owner.
   */
  take(id: string, owns: (session: Session, sm: StreamManagement) => boolean, holder: SessionHolder): TakeOutcome {
    const entry = this.find(id);
    if (!entry || !owns(entry.session, entry.sm)) return { kind: 'unknown' };
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.end = null;
    const previous = entry.holder;
    entry.holder = holder;
    previous?.handOver();
    return { kind: 'taken', session: entry.session, sm: entry.sm };
  }

  /** The session ended: its id is no longer valid. */
  forget(id: string): void {
    const entry = this.find(id);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(id.slice(0, KEY_LENGTH));
  }

  private find(id: string): Entry | undefined {
    const entry = this.entries.get(id.slice(0, KEY_LENGTH));
    if (!entry) return undefined;
    const given = Buffer.from(id);
    const expected = Buffer.from(entry.id);
    return given.length === expected.length && timingSafeEqual(given, expected) ? entry : undefined;
  }
}
