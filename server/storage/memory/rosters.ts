import type { Roster, RosterItem, RosterStore } from '../types.js';
import { compareUtf8 } from './accounts.js';

interface UserRoster {
  version: number;
  items: Map<string, RosterItem>;
  /** Insertion-ordered; re-adding a sender keeps its place. */
  pending: Map<string, string>;
}

function copyItem(item: RosterItem): RosterItem {
  const copy: RosterItem = { jid: item.jid, subscription: item.subscription, groups: [...item.groups] };
  if (item.name !== undefined) copy.name = item.name;
  if (item.ask) copy.ask = true;
  if (item.approved) copy.approved = true;
  return copy;
}

/**
 * Rosters in memory: for anonymous guests, whose roster must vanish with the session
 * and never reach the disk, and for tests. Same contract as SqliteRosterStore, including
 * versions drawn from one counter per store (never reused for a recreated user).
 */
export class MemoryRosterStore implements RosterStore {
  private readonly users = new Map<string, UserRoster>();
  private seq = 0;

  /**
   * @param nextVersion the version a change to a roster now at `current` takes; by default
   * the next value of this store's one counter.
   */
  constructor(private readonly nextVersion: (current: number) => number = () => ++this.seq) {}

  get(user: string): Roster {
    const r = this.users.get(user);
    if (!r) return { version: 0, items: [] };
    return {
      version: r.version,
      items: [...r.items.values()].sort((a, b) => compareUtf8(a.jid, b.jid)).map(copyItem),
    };
  }

  getItem(user: string, contact: string): RosterItem | undefined {
    const item = this.users.get(user)?.items.get(contact);
    return item ? copyItem(item) : undefined;
  }

  putItem(user: string, item: RosterItem): number {
    const r = this.roster(user);
    r.items.set(item.jid, copyItem(item));
    return (r.version = this.nextVersion(r.version));
  }

  removeItem(user: string, contact: string): number {
    const r = this.users.get(user);
    if (!r) return 0;
    if (!r.items.delete(contact)) return r.version;
    return (r.version = this.nextVersion(r.version));
  }

  pendingIn(user: string): { from: string; stanza: string }[] {
    const r = this.users.get(user);
    return r ? [...r.pending].map(([from, stanza]) => ({ from, stanza })) : [];
  }

  addPendingIn(user: string, from: string, stanza: string): void {
    this.roster(user).pending.set(from, stanza);
  }

  removePendingIn(user: string, from: string): void {
    this.users.get(user)?.pending.delete(from);
  }

  deleteUser(user: string): void {
    this.users.delete(user);
  }

  /** Replaces the user's whole roster state (undefined: none) with another copy's. */
  restore(user: string, state: { version: number; items: readonly RosterItem[]; pending: readonly { from: string; stanza: string }[] } | undefined): void {
    if (state === undefined) {
      this.users.delete(user);
      return;
    }
    this.users.set(user, {
      version: state.version,
      items: new Map(state.items.map((item) => [item.jid, copyItem(item)])),
      pending: new Map(state.pending.map(({ from, stanza }) => [from, stanza])),
    });
  }

  /** Every user with any roster state. */
  owners(): string[] {
    return [...this.users.keys()];
  }

  /** Number of users with any roster state (memory accounting, tests). */
  get size(): number {
    return this.users.size;
  }

  private roster(user: string): UserRoster {
    let r = this.users.get(user);
    if (!r) this.users.set(user, (r = { version: 0, items: new Map(), pending: new Map() }));
    return r;
  }
}
