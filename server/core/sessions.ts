import type { Jid } from '../jid/jid.js';
import type { Session } from './session.js';

/** Every bound session on this node, by bare JID and resource. */
export class SessionRegistry {
  private readonly byBare = new Map<string, Map<string, Session>>();
  private total = 0;

  get count(): number {
    return this.total;
  }

  /** Adds a session; returns the session it replaces (same full JID), which the caller closes. */
  add(session: Session): Session | undefined {
    const key = session.bare.toString();
    let resources = this.byBare.get(key);
    if (!resources) {
      resources = new Map();
      this.byBare.set(key, resources);
    }
    const resource = session.jid.resource!;
    const previous = resources.get(resource);
    resources.set(resource, session);
    if (!previous) this.total += 1;
    return previous;
  }

  /** Removes the session if it is still the registered one for its full JID. */
  remove(session: Session): boolean {
    const key = session.bare.toString();
    const resources = this.byBare.get(key);
    const resource = session.jid.resource!;
    if (resources?.get(resource) !== session) return false;
    resources.delete(resource);
    this.total -= 1;
    if (resources.size === 0) this.byBare.delete(key);
    return true;
  }

  get(full: Jid): Session | undefined {
    if (full.resource === null) return undefined;
    return this.byBare.get(full.bare().toString())?.get(full.resource);
  }

  /** All sessions of a bare JID (empty when offline). */
  of(bare: Jid | string): Session[] {
    const resources = this.byBare.get(typeof bare === 'string' ? bare : bare.bare().toString());
    return resources ? [...resources.values()] : [];
  }

  /** The resources that sent available presence and did not go unavailable since. */
  available(bare: Jid): Session[] {
    return this.of(bare).filter((session) => session.available);
  }

  /** RFC 6121 §8.5.2.1.1: where a message to the bare JID goes: every available resource with a non-negative priority. */
  messageRecipients(bare: Jid): Session[] {
    return this.of(bare).filter((session) => session.available && session.priority >= 0);
  }

  isOnline(bare: Jid): boolean {
    return this.byBare.has(bare.bare().toString());
  }

  all(): IterableIterator<Session> {
    return allSessions(this.byBare);
  }
}

function* allSessions(byBare: Map<string, Map<string, Session>>): IterableIterator<Session> {
  for (const resources of byBare.values()) yield* resources.values();
}
