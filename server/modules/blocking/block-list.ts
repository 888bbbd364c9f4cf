import type { Jid } from '../../jid/jid.js';
import type { UserDataStore } from '../../storage/types.js';

/** Under this user-data key a user's blocked JIDs are kept, as a JSON array of strings. */
const KEY = 'urn:xmpp:blocking';
/** Enough for anyone's spam; it bounds what one user can make us store and scan. */
export const MAX_BLOCKED_ITEMS = 1000;
/** Parsed lists kept for reuse, keyed by user; reparsed when the stored text changes. */
const MAX_PARSED = 10_000;

/**
 * Users' block lists (XEP-0191) in their host's user-data store, so that an account's list
 * is kept and a guest's lives in memory with the guest. Every check reads the store (so that
 * a change made through another node or the CLI counts at once) and reuses the parsed set
 * while the stored text is unchanged.
 */
export class BlockLists {
  private readonly parsed = new Map<string, { text: string; items: ReadonlySet<string> }>();

  constructor(private readonly store: UserDataStore) {}

  items(user: string): ReadonlySet<string> {
    const text = this.store.get(user, KEY);
    if (text === undefined) {
      this.parsed.delete(user);
      return EMPTY;
    }
    const cached = this.parsed.get(user);
    if (cached?.text === text) return cached.items;
    const items = new Set(parseList(text));
    if (this.parsed.size >= MAX_PARSED) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(user, { text, items });
    return items;
  }

  save(user: string, items: ReadonlySet<string>): void {
    this.store.set(user, KEY, items.size === 0 ? null : JSON.stringify([...items]));
  }

  /** XEP-0191 §3 matching (XEP-0016's): full JID, bare JID, domain/resource, or domain. */
  blocks(user: string, other: Jid): boolean {
    const items = this.items(user);
    if (items.size === 0) return false;
    if (items.has(other.toString()) || items.has(other.domain)) return true;
    if (other.local !== null && items.has(other.bare().toString())) return true;
    return other.resource !== null && items.has(`${other.domain}/${other.resource}`);
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function parseList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}
