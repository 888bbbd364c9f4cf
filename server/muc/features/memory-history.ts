import { LIMITS } from '../limits.js';
import { maxHistoryLength } from '../room-config.js';
import type { HistoryEntry, HistoryMessage, RoomHistory } from '../room-history.js';
import { tombstone } from '../tombstone.js';
import type { RoomFeature } from './feature.js';

interface Entry extends HistoryMessage {
  chars: number;
}

/**
 * Room history kept in memory, for rooms whose messages no other feature keeps: the last `maxMessages` messages of each room, within `maxChars` of XML per room
 * and `totalChars` over all rooms (the quietest rooms lose their oldest messages first), lost
 * on restart.
 */
export class MemoryHistory implements RoomHistory {
  /** In order of activity: the least recently active room first. */
  private readonly rooms = new Map<string, { entries: Entry[]; chars: number }>();
  private total = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxChars: number,
    private readonly totalChars: number,
    private readonly now: () => number,
  ) {}

  append(room: string, entry: HistoryEntry): void {
    if (this.maxMessages <= 0) return;
    const chars = entry.stanza.toString().length;
    if (chars > this.maxChars) return;
    const log = this.rooms.get(room) ?? { entries: [], chars: 0 };
    this.rooms.delete(room);
    this.rooms.set(room, log);
    log.entries.push({ id: entry.id, stanza: entry.stanza, timestamp: entry.timestamp, chars });
    log.chars += chars;
    this.total += chars;
    while (log.entries.length > this.maxMessages || log.chars > this.maxChars) this.dropOldest(room, log);
    for (const [quiet, quietLog] of this.rooms) {
      if (this.total <= this.totalChars) break;
      while (quietLog.entries.length > 0 && this.total > this.totalChars) this.dropOldest(quiet, quietLog);
    }
  }

  private dropOldest(room: string, log: { entries: Entry[]; chars: number }): void {
    const dropped = log.entries.shift();
    if (dropped) {
      log.chars -= dropped.chars;
      this.total -= dropped.chars;
    }
    if (log.entries.length === 0) this.rooms.delete(room);
  }

  recent(room: string, max: number): HistoryMessage[] {
    const entries = this.rooms.get(room)?.entries ?? [];
    return max <= 0 ? [] : entries.slice(-max);
  }

  retract(room: string, id: string, by: string, reason?: string): void {
    const entry = this.rooms.get(room)?.entries.find((candidate) => candidate.id === id);
    if (entry) entry.stanza = tombstone(entry.stanza, { by, stamp: new Date(this.now()).toISOString(), reason });
  }

  /** Forgets a room that is gone. */
  deleteRoom(room: string): void {
    this.total -= this.rooms.get(room)?.chars ?? 0;
    this.rooms.delete(room);
  }
}

/**
 * The history every room has unless a feature of higher priority keeps its messages: the
 * last [muc].history_length (or the longest a room may be configured with) messages in memory.
 */
export const memoryHistory: RoomFeature = {
  name: 'memory-history',
  install(service) {
    const memory = new MemoryHistory(maxHistoryLength(service.server.config.muc), LIMITS.historyChars, LIMITS.historyCharsTotal, service.server.now);
    const { events } = service;
    events.on('history-append', ({ room, entry }) => memory.append(room.jid.toString(), entry));
    events.on('history-get', (request) => {
      request.messages = memory.recent(request.room.jid.toString(), request.max);
    });
    events.on('history-retract', ({ room, id, by, reason }) => memory.retract(room.jid.toString(), id, by, reason));
    events.on('room-destroyed', ({ room }) => memory.deleteRoom(room.jid.toString()));
  },
};
