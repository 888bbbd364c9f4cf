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

  expire(cutoff: number, limit: number): number {
    return this.removeOlderThan(cutoff, limit).length;
  }

  /** Removes up to `limit` messages older than `cutoff`, oldest first; returns which. */
  removeOlderThan(cutoff: number, limit: number): { owner: string; id: string }[] {
    const due = [...this.owners].flatMap(([owner, held]) => held.filter((message) => message.timestamp < cutoff)
      .map((message) => ({ owner, id: message.id, timestamp: message.timestamp })))
      .sort((a, b) => a.timestamp - b.timestamp)
      .slice(0, Math.max(0, limit));
    for (const { owner, id } of due) {
      const kept = this.owners.get(owner)!.filter((message) => message.id !== id);
      if (kept.length === 0) this.owners.delete(owner);
      else this.owners.set(owner, kept);
    }
    return due.map(({ owner, id }) => ({ owner, id }));
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
