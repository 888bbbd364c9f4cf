import { parse } from 'ltx';
import type { Element } from '../../xml/element.js';
import {
  ArchiveIdNotFound, MAX_RECENT, storedMessage,
  type ArchiveEdge, type ArchiveEntry, type ArchiveFilter, type ArchivePage, type ArchiveStore, type ArchivedMessage,
  type PageRequest, type StoredArchivedMessage,
} from '../archive.js';
import { searchTerms, searchableText, searchWords as words } from '../search.js';

interface Row {
  /** Arrival order over the whole store, the paging key (as SQLite's rowid). */
  seq: number;
  id: string;
  timestamp: number;
  nick: string;
  occupantId: string;
  /** Serialised at append: the caller may change the element afterwards. */
  text: string;
  retracted: boolean;
  /** Words for search, or null once retracted (a tombstone is never found). */
  words: string[] | null;
}

/**
 * The room archive (storage/archive.ts) in memory: for unit tests and for servers that
 * keep nothing on disk. It answers every query exactly as the SQLite store does, search
 * included: words are compared case-folded and without diacritics, as FTS5's unicode61
 * tokenizer does.
 */
export class MemoryArchiveStore implements ArchiveStore {
  private readonly rooms = new Map<string, Row[]>();
  private nextSeq = 1;

  append(room: string, entry: ArchiveEntry): void {
    const rows = this.rooms.get(room) ?? [];
    // A repeated id keeps the first message: MAM ids are never reused.
    if (rows.some((row) => row.id === entry.id)) return;
    rows.push({
      seq: this.nextSeq++, id: entry.id, timestamp: entry.timestamp, nick: entry.nick, occupantId: entry.occupantId,
      text: entry.stanza.toString(), retracted: false, words: words(searchableText(entry.stanza)),
    });
    this.rooms.set(room, rows);
  }

  recent(room: string, max: number): ArchivedMessage[] {
    const limit = Math.min(Math.max(0, Math.trunc(max)), MAX_RECENT);
    if (limit === 0) return [];
    return (this.rooms.get(room) ?? []).slice(-limit).map(toMessage);
  }

  async get(room: string, id: string): Promise<StoredArchivedMessage | undefined> {
    const row = this.find(room, id);
    if (!row) return undefined;
    return { ...toMessage(row), stanza: parse(row.text), text: row.text, nick: row.nick, occupantId: row.occupantId, retracted: row.retracted };
  }

  async query(room: string, filter: ArchiveFilter, page: PageRequest): Promise<ArchivePage> {
    const rows = this.rooms.get(room) ?? [];
    const afterId = filter.afterId !== undefined ? this.seqOf(room, filter.afterId) : undefined;
    const beforeId = filter.beforeId !== undefined ? this.seqOf(room, filter.beforeId) : undefined;
    const ids = filter.ids !== undefined ? new Set(filter.ids.map((id) => this.seqOf(room, id))) : undefined;
    // Every id is resolved before deciding the answer is empty: unknown ids are an error either way.
    const pageAfter = page.after !== undefined ? this.seqOf(room, page.after) : undefined;
    const pageBefore = page.before ? this.seqOf(room, page.before) : undefined;
    let matches: (row: Row) => boolean = () => true;
    if (filter.search !== undefined) {
      const terms = searchTerms(filter.search).map((term) => ({ words: words(term.text), prefix: term.prefix }));
      if (terms.length === 0) return { messages: [], complete: true, count: 0 };
      matches = (row) => row.words !== null && terms.every((term) => containsPhrase(row.words!, term.words, term.prefix));
    }
    const filtered = rows.filter((row) => (filter.start === undefined || row.timestamp >= filter.start)
      && (filter.end === undefined || row.timestamp <= filter.end)
      && (filter.nick === undefined || row.nick === filter.nick)
      && (filter.occupantId === undefined || row.occupantId === filter.occupantId)
      && (afterId === undefined || row.seq > afterId)
      && (beforeId === undefined || row.seq < beforeId)
      && (ids === undefined || ids.has(row.seq))
      && matches(row));

    const paged = filtered.filter((row) => (pageAfter === undefined || row.seq > pageAfter)
      && (pageBefore === undefined || row.seq < pageBefore));
    const backward = page.before !== undefined;
    const useIndex = page.index !== undefined && page.after === undefined && !backward;
    const ordered = backward ? [...paged].reverse() : paged;
    const offset = useIndex ? page.index! : 0;
    const window = ordered.slice(offset, offset + page.max + 1);
    const more = window.length > page.max;
    const pageRows = window.slice(0, page.max);
    if (backward) pageRows.reverse();

    const first = pageRows[0];
    const firstIndex = first === undefined ? undefined
      : useIndex ? page.index! : filtered.filter((row) => row.seq < first.seq).length;
    return { messages: pageRows.map(toMessage), complete: !more, count: filtered.length, firstIndex };
  }

  async edges(room: string): Promise<{ start: ArchiveEdge; end: ArchiveEdge } | undefined> {
    const rows = this.rooms.get(room);
    if (!rows || rows.length === 0) return undefined;
    const edge = (row: Row): ArchiveEdge => ({ id: row.id, timestamp: row.timestamp });
    return { start: edge(rows[0]!), end: edge(rows[rows.length - 1]!) };
  }

  retract(room: string, id: string, tombstone: (original: Element) => Element): void {
    const row = this.find(room, id);
    if (!row || row.retracted) return;
    row.text = tombstone(parse(row.text)).toString();
    row.retracted = true;
    row.words = null;
  }

  async expire(cutoff: number, limit: number): Promise<number> {
    const due = [...this.rooms.values()].flat()
      .filter((row) => row.timestamp < cutoff)
      .sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
      .slice(0, Math.max(0, limit));
    const gone = new Set(due.map((row) => row.seq));
    for (const [room, rows] of this.rooms) {
      const kept = rows.filter((row) => !gone.has(row.seq));
      if (kept.length === 0) this.rooms.delete(room);
      else this.rooms.set(room, kept);
    }
    return due.length;
  }

  deleteRoom(room: string): void {
    this.rooms.delete(room);
  }

  async deleteRoomsExcept(domain: string, keep: readonly string[]): Promise<number> {
    const kept = new Set(keep);
    let deleted = 0;
    for (const [room, rows] of this.rooms) {
      if (room.slice(room.indexOf('@') + 1) !== domain || kept.has(room)) continue;
      deleted += rows.length;
      this.rooms.delete(room);
    }
    return deleted;
  }

  flush(): void {}

  private find(room: string, id: string): Row | undefined {
    return this.rooms.get(room)?.find((row) => row.id === id);
  }

  private seqOf(room: string, id: string): number {
    const row = this.find(room, id);
    if (!row) throw new ArchiveIdNotFound(id);
    return row.seq;
  }
}

function toMessage(row: Row): ArchivedMessage {
  return storedMessage(row.id, row.text, row.timestamp);
}

/** The phrase's words appear in a row; with prefix, its last word may start a longer one. */
function containsPhrase(haystack: readonly string[], phrase: readonly string[], prefix: boolean): boolean {
  if (phrase.length === 0) return false;
  const last = phrase.length - 1;
  for (let start = 0; start + phrase.length <= haystack.length; start++) {
    let found = true;
    for (let i = 0; i <= last && found; i++) {
      const word = haystack[start + i]!;
      found = i === last && prefix ? word.startsWith(phrase[i]!) : word === phrase[i];
    }
    if (found) return true;
  }
  return false;
}
