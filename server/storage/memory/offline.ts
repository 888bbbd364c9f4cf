import type { OfflineMessage, OfflineStore } from '../offline.js';

/** Offline messages in memory (tests, and the mirror of the PostgreSQL store). */
export class MemoryOfflineStore implements OfflineStore {
  private readonly owners = new Map<string, OfflineMessage[]>();

  add(owner: string, message: OfflineMessage, cap: number): boolean {
    const held = this.owners.get(owner) ?? [];
    if (held.length >= cap || held.some((kept) => kept.id === message.id)) return false;
    held.push({ ...message });
    this.owners.set(owner, held);
    return true;
  }

  count(owner: string): number {
    return this.owners.get(owner)?.length ?? 0;
  }

  take(owner: string): OfflineMessage[] {
    const held = this.owners.get(owner) ?? [];
    this.owners.delete(owner);
    return held;
  }

  deleteUser(owner: string): void {
    this.owners.delete(owner);
  }

  /** Replaces what the owner holds (undefined or empty: nothing) with another copy's. */
  restore(owner: string, messages: readonly OfflineMessage[] | undefined): void {
    if (!messages || messages.length === 0) this.owners.delete(owner);
    else this.owners.set(owner, messages.map((message) => ({ ...message })));
  }

  /** Every owner holding a message. */
  ownerNames(): string[] {
    return [...this.owners.keys()];
  }
}
