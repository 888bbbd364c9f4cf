import type { UserDataStore } from '../types.js';

/** Per-user XML documents in memory (anonymous guests, tests). */
export class MemoryUserDataStore implements UserDataStore {
  private readonly users = new Map<string, Map<string, string>>();

  get(user: string, key: string): string | undefined {
    return this.users.get(user)?.get(key);
  }

  set(user: string, key: string, value: string | null): void {
    let data = this.users.get(user);
    if (value === null) {
      if (data?.delete(key) && data.size === 0) this.users.delete(user);
      return;
    }
    if (!data) this.users.set(user, (data = new Map()));
    data.set(key, value);
  }

  deleteUser(user: string): void {
    this.users.delete(user);
  }

  /** Replaces every document of the user (undefined or empty: none) with another copy's. */
  restore(user: string, documents: ReadonlyMap<string, string> | undefined): void {
    if (!documents || documents.size === 0) this.users.delete(user);
    else this.users.set(user, new Map(documents));
  }

  /** Every user with a document. */
  owners(): string[] {
    return [...this.users.keys()];
  }

  get size(): number {
    return this.users.size;
  }
}
