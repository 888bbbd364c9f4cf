/**
 * The last messages of each room in memory, for history on join (ArchiveStore.recent), which
 * is sent inside the join and cannot wait for PostgreSQL. Loaded at open, kept current by
 * the store's own appends, retractions and deletions.
 *
 * Cost: per kept message, its serialised stanza (one byte per character for Latin-1 text,
 * two otherwise), its id and about 100 bytes of object and array overhead; nothing is kept
 * parsed. Measured (bench/archive-store.mjs): 454 bytes per message of 332 characters, so
 * 45 KB per room with the default tail of 100 (LIMITS.historyLength) messages, for every
 * room that has an archive, loaded at open.
 */
import { storedMessage, type ArchivedMessage } from '../archive.js';

export interface TailEntry {
  id: string;
  timestamp: number;
  /** The stanza as stored: replaced by its tombstone when retracted. */
  text: string;
  retracted: boolean;
}

export class RecentTails {
  private readonly rooms = new Map<string, TailEntry[]>();

  /** `size`: messages kept per room. */
  constructor(private readonly size: number) {}

  /** Adds the newest message of a room; false (nothing added) when the tail already holds its id. */
  add(room: string, entry: TailEntry): boolean {
    if (this.size <= 0) return true;
    const entries = this.rooms.get(room) ?? [];
    if (entries.some((kept) => kept.id === entry.id)) return false;
    entries.push(entry);
    if (entries.length > this.size) entries.shift();
    this.rooms.set(room, entries);
    return true;
  }

  /** Replaces a room's tail (loaded from the database), oldest first. */
  replace(room: string, entries: TailEntry[]): void {
    if (entries.length === 0) this.rooms.delete(room);
    else this.rooms.set(room, entries.slice(-this.size));
  }

  find(room: string, id: string): TailEntry | undefined {
    return this.rooms.get(room)?.find((entry) => entry.id === id);
  }

  /** Forgets these messages (not stored after all, or expired). */
  remove(gone: readonly { room: string; id: string }[]): void {
    for (const { room, id } of gone) {
      const entries = this.rooms.get(room);
      const at = entries?.findIndex((entry) => entry.id === id) ?? -1;
      if (at >= 0) entries!.splice(at, 1);
      if (entries?.length === 0) this.rooms.delete(room);
    }
  }

  deleteRoom(room: string): void {
    this.rooms.delete(room);
  }

  roomNames(): IterableIterator<string> {
    return this.rooms.keys();
  }

  /** The last `max` messages, oldest first; each parses its stanza only when asked. */
  recent(room: string, max: number): ArchivedMessage[] {
    if (max <= 0) return [];
    return (this.rooms.get(room) ?? []).slice(-max).map(toMessage);
  }
}

function toMessage(entry: TailEntry): ArchivedMessage {
  return storedMessage(entry.id, entry.text, entry.timestamp);
}
