/**
 * The room archive: every archived groupchat message of every room, in arrival order, for
 * history on join, XEP-0313 queries (filters, paging, full-text search), moderation
 * (retraction) and retention. Messages are kept as stanzas; what a stanza may contain is the
 * MUC's business, not the store's.
 */
import { parse } from 'ltx';
import type { Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';

export interface ArchivedMessage {
  id: string;
  stanza: Element;
  timestamp: number;
  /** The stanza as stored (serialised, without `to`), where the store keeps it as text. */
  text?: string;
}

/** One message to keep: `stanza` is the copy to store (the caller strips what must not be kept). */
export interface ArchiveEntry {
  /** The room's stanza-id for it: the MAM id. A repeated id keeps the first message. */
  id: string;
  stanza: Element;
  /** The sender's nick when it was sent (the 'with' filter). */
  nick: string;
  occupantId: string;
  timestamp: number;
}

/** An entry as a store writes it: for one room, its stanza serialised (without what the caller stripped). */
export interface SerializedArchiveEntry extends Omit<ArchiveEntry, 'stanza'> {
  room: string;
  /** The serialised stanza (or its tombstone). */
  stanza: string;
}

/** An id named in a query (after, before, after-id, before-id, ids) that the room does not hold. */
export class ArchiveIdNotFound extends Error {
  constructor(readonly id: string) {
    super(`no archived message with id ${id}`);
  }
}

/** Filters that define the result set (and so its count). All bounds are inclusive of time, exclusive of ids. */
export interface ArchiveFilter {
  /** Unix ms: only messages at or after. */
  start?: number;
  /** Unix ms: only messages at or before. */
  end?: number;
  /** Only messages sent under this nick. */
  nick?: string;
  /** Only messages with this occupant id (in an account's archive: the peer's full JID). */
  occupantId?: string;
  /** Only messages after / before this one (MAM #extended after-id / before-id). */
  afterId?: string;
  beforeId?: string;
  /** Only these messages (MAM #extended ids). */
  ids?: readonly string[];
  /** What the user searches for, as typed (storage/search.ts says what it matches). */
  search?: string;
}

/** RSM (XEP-0059) paging through the result set. */
export interface PageRequest {
  /** Page size; the caller caps it. */
  max: number;
  after?: string;
  /** Page backwards from this id; '' (an empty <before/>) asks for the last page. */
  before?: string;
  /** Skip this many items of the result set (only without after/before). */
  index?: number;
}

export interface ArchivePage {
  /** Oldest first, whichever direction was paged. */
  messages: ArchivedMessage[];
  /** True when no more items lie beyond this page in the paging direction. */
  complete: boolean;
  /** Size of the whole result set. */
  count: number;
  /** Position of the page's first item in the result set. */
  firstIndex?: number;
}

export interface ArchiveEdge { id: string; timestamp: number }

export type StoredArchivedMessage = ArchivedMessage & { nick: string; occupantId: string; retracted: boolean };

/**
 * `room` is always the room's bare JID.
 *
 * What a networked store (PostgreSQL) answers over the network returns a Promise: queries,
 * edges, get, expiry. What the MUC needs inside a synchronous, ordered handler does not:
 * `recent` (history is sent inside the join), and retract / deleteRoom, which a store applies
 * to what `recent` serves at once and writes behind, in call order with the appends.
 */
export interface ArchiveStore {
  /**
   * Keeps the message. The stanza is read before append returns (the caller goes on to send,
   * and may change, the element); a store may batch the writes, but every other call sees it.
   * A store that commits before delivery returns either nothing after committing (or throws a
   * StanzaError for the sender), or a Promise that resolves once the message is committed
   * and rejects with that StanzaError when it could not be: the caller delivers the message
   * only then (muc/ordered-delivery.ts). A store that commits after delivery returns nothing.
   */
  append(room: string, entry: ArchiveEntry): void | Promise<void>;
  /**
   * Reads a room's recent messages again from the shared database (a cluster node that takes
   * a room over); absent where this process is the only writer.
   */
  loadRecent?(room: string): Promise<void>;
  /** The last `max` messages (at most MAX_RECENT), oldest first (for history on join). */
  recent(room: string, max: number): ArchivedMessage[];
  /** One archived message, e.g. to check a retraction request names a real message. */
  get(room: string, id: string): Promise<StoredArchivedMessage | undefined>;
  /** Rejects with ArchiveIdNotFound when the query names an id the room does not hold. */
  query(room: string, filter: ArchiveFilter, page: PageRequest): Promise<ArchivePage>;
  /** First and last message of a room's archive (MAM metadata). */
  edges(room: string): Promise<{ start: ArchiveEdge; end: ArchiveEdge } | undefined>;
  /**
   * Replaces a message that is not yet retracted with `tombstone(original)`, marks it
   * retracted and drops it from search. Unknown or already retracted ids change nothing.
   */
  retract(room: string, id: string, tombstone: (original: Element) => Element): void;
  /** Deletes up to `limit` messages older than `cutoff` (unix ms), oldest first; resolves with how many. */
  expire(cutoff: number, limit: number): Promise<number>;
  /** Forgets a destroyed room's archive. */
  deleteRoom(room: string): void;
  /** Forgets every room of a MUC domain except `keep` (bare JIDs); resolves with how many messages went. */
  deleteRoomsExcept(domain: string, keep: readonly string[]): Promise<number>;
  /** Writes what is batched; called (and awaited) before the storage closes. */
  flush(): void | Promise<void>;
  /** Appends accepted but not yet committed (a store that batches; the metrics show it). */
  queuedAppends?(): number;
}

/** History on join never sends more than this, whatever the room asks. */
export const MAX_RECENT = 1000;

/**
 * Called when a write fails: `messages` were not stored; `delivered` says whether they had
 * already gone out (written behind) or were refused to their sender (committed before delivery).
 */
export type ArchiveWriteFailure = (error: unknown, messages: number, delivered: boolean) => void;

/** What the sender of a message the archive could not store is told (the message was not sent). */
export function archiveRefusal(outOfSpace: boolean): StanzaError {
  return new StanzaError('wait', outOfSpace ? 'resource-constraint' : 'internal-server-error',
    'the room archive could not store this message, so it was not sent; try again later');
}

/** A message kept as text, its stanza parsed only when asked for (history on join sends the text as it is). */
export function storedMessage(id: string, text: string, timestamp: number): ArchivedMessage {
  let parsed: Element | undefined;
  return {
    id, text, timestamp,
    get stanza(): Element {
      return parsed ??= parse(text);
    },
  };
}
