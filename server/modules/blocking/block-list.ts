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
 * is kept and a guest's lives in memory with the guest. A check reads the store and reuses
 * the parsed set while the stored text is unchanged: where the store is memory (guests, the
 * PostgreSQL mirror, which other nodes' changes reach) that costs a map lookup. With
 * `cached`, for a store that reads from disk (SQLite: one process, and every change of a
 * list goes through save()), the lists are kept here instead, read again when the user
 * signs in (forget()).
 */
export class BlockLists {
  private readonly parsed = new Map<string, { text: string; items: ReadonlySet<string> }>();
  private readonly cache = new Map<string, ReadonlySet<string>>();

  constructor(private readonly store: UserDataStore, private readonly cached = false) {}

  items(user: string): ReadonlySet<string> {
    if (!this.cached) return this.read(user);
    let items = this.cache.get(user);
    if (items === undefined) {
      items = this.read(user);
      if (this.cache.size >= MAX_PARSED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(user, items);
    }
    return items;
  }

  /** Reads the user's list from the store at the next check. */
  forget(user: string): void {
    this.cache.delete(user);
  }

  private read(user: string): ReadonlySet<string> {
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
    this.cache.delete(user);
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
