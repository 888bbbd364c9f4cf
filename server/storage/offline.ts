/**
 * Offline messages (RFC 6121 §8.5.2.2.1): messages held for an account that had no session
 * when they came, until its next initial presence. Kept as stanzas; what is worth holding is
 * the offline module's business, not the store's.
 */

export interface OfflineMessage {
  /** Random, unique per owner: names the message when it is taken (on any node). */
  id: string;
  /** The serialised <message/>. */
  stanza: string;
  /** Unix ms when it was held (the <delay/> stamp). */
  timestamp: number;
}

/** `owner` is always the account's bare JID. */
export interface OfflineStore {
  /** Holds the message unless the owner holds `cap` already; returns whether it was held. */
  add(owner: string, message: OfflineMessage, cap: number): boolean;
  /** How many messages the owner holds. */
  count(owner: string): number;
  /** Removes and returns what the owner holds, oldest first. */
  take(owner: string): OfflineMessage[];
  /** Deletes up to `limit` messages held since before `cutoff` (unix ms), oldest first; returns how many. */
  expire(cutoff: number, limit: number): number;
  /** Forgets everything held for the owner (the account is deleted). */
  deleteUser(owner: string): void;
}
