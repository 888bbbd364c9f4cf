/**
 * The room archive as the MUC sees it: rooms that archive keep their history in the
 * server's archive store (storage.archive), which the muc-archive module serves over
 * XEP-0313. This file turns room messages into what the store keeps.
 */
import { clone, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import type { ArchiveStore } from '../../storage/archive.js';
import { stamp } from '../../mam/results.js';
import { tombstone } from '../tombstone.js';
import type { HistoryEntry, HistoryMessage, RoomHistory } from '../room-history.js';

/** A room history kept in the archive store; the store batches writes and owns the data. */
export class ArchiveHistory implements RoomHistory {
  constructor(private readonly store: ArchiveStore, private readonly now: () => number) {}

  append(room: string, entry: HistoryEntry): void | Promise<void> {
    return this.store.append(room, { ...entry, stanza: forStorage(entry.stanza) });
  }

  recent(room: string, max: number): HistoryMessage[] {
    return this.store.recent(room, max);
  }

  retract(room: string, id: string, by: string, reason?: string): void {
    this.store.retract(room, id, (original) => tombstone(original, { by, stamp: stamp(this.now()), reason }));
  }

  deleteRoom(room: string): void {
    this.store.deleteRoom(room);
  }
}

/**
 * The copy that is stored: no 'to' (XEP-0313 §MUC archives: forwarded copies carry none; each
 * occupant gets its own on history) and no muc#user <x/>, which rooms do not sanitise.
 */
function forStorage(stanza: Element): Element {
  const copy = clone(stanza);
  delete copy.attrs.to;
  copy.children = copy.children.filter((child) => typeof child === 'string' || !child.is('x', NS.mucUser));
  return copy;
}
