// server/muc/archive/types.ts
import type { Element } from '../../xml/element.js';
export interface ArchivedMessage {
  id: string;
  stanza: Element;
  timestamp: number;
  /** The stanza as stored (serialised, without `to`), where the store keeps it as text. */
  text?: string;
}
export interface RoomArchive {
  /** Stores a groupchat message (from = room/nick, already carrying <stanza-id> and occupant-id). id = the stanza-id. */
  append(room: string, entry: { id: string; stanza: Element; nick: string; occupantId: string; timestamp: number }): void;
  /** The last `max` messages, oldest first (for history on join). */
  recent(room: string, max: number): ArchivedMessage[];
  /** Marks a message retracted by a moderator: replace its body with a tombstone, keep the id. */
  retract?(room: string, id: string, by: string, reason?: string): void;
}
