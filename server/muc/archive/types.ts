import type { Element } from '../../xml/element.js';
import type { ArchivedMessage } from '../../storage/archive.js';

export type { ArchivedMessage } from '../../storage/archive.js';

/** A room's history: the archive when the room archives, else memory (history-memory.ts). */
export interface RoomArchive {
  /** Stores a groupchat message (from = room/nick, already carrying <stanza-id> and occupant-id). id = the stanza-id. */
  append(room: string, entry: { id: string; stanza: Element; nick: string; occupantId: string; timestamp: number }): void;
  /** The last `max` messages, oldest first (for history on join). */
  recent(room: string, max: number): ArchivedMessage[];
  /** Marks a message retracted by a moderator: replace its body with a tombstone, keep the id. */
  retract?(room: string, id: string, by: string, reason?: string): void;
}
