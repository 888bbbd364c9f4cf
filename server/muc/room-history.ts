import type { Element } from '../xml/element.js';

/** A message a room keeps: its stanza-id, the stanza (from room/nick, without `to`) and when it was said. */
export interface HistoryMessage {
  id: string;
  stanza: Element;
  timestamp: number;
  /** The stanza as kept (serialised, without `to`), where the keeper holds it as text. */
  text?: string;
}

/** A message to keep: from = room/nick, already carrying <stanza-id> and occupant-id; id = the stanza-id. */
export interface HistoryEntry {
  id: string;
  stanza: Element;
  nick: string;
  occupantId: string;
  timestamp: number;
}

/**
 * What keeps a room's messages for history on join and moderation: memory by default
 * (features/memory-history.ts), or a feature that keeps them elsewhere.
 */
export interface RoomHistory {
  /**
   * Keeps the message. A Promise means the message must not be delivered before it resolves
   * (it rejects with a StanzaError for the sender when the message could not be kept).
   */
  append(room: string, entry: HistoryEntry): void | Promise<void>;
  /** The last `max` messages, oldest first (for history on join). */
  recent(room: string, max: number): HistoryMessage[];
  /** Marks a message retracted by a moderator: replace its body with a tombstone, keep the id. */
  retract(room: string, id: string, by: string, reason?: string): void;
  /** Forgets a room that is gone. */
  deleteRoom(room: string): void;
}
