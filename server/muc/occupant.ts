import type { Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';
import type { Session } from '../core/session.js';
import type { Role } from './types.js';

/** One client resource in a room. Several resources of one user may share a nickname. */
export interface OccupantSession {
  session: Session;
  /** The real full JID. */
  jid: Jid;
  /** The client's presence payload (show, status, caps, …) without the MUC elements. */
  presence: Element[];
}

/** Someone in a room under one nickname. */
export class Occupant {
  /** By real full JID; the last entry is the most recently updated one (the primary). */
  readonly sessions = new Map<string, OccupantSession>();

  constructor(
    public nick: string,
    /** The real bare JID. */
    readonly bare: Jid,
    public role: Role,
    /** XEP-0421: stable per real bare JID and room. */
    readonly occupantId: string,
  ) {}

  /** The resource whose presence stands for the occupant. */
  get primary(): OccupantSession {
    let last: OccupantSession | undefined;
    for (const entry of this.sessions.values()) last = entry;
    if (!last) throw new Error('an occupant without sessions');
    return last;
  }

  /** Adds or updates a resource and makes it the primary. */
  putSession(entry: OccupantSession): void {
    const key = entry.jid.toString();
    this.sessions.delete(key);
    this.sessions.set(key, entry);
  }
}
