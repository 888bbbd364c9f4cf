import type { Element } from '../../xml/element.js';

/** XEP-0198 §4: 'h' counts modulo 2^32. */
const WRAP = 2 ** 32;

export function nextCount(count: number): number {
  return (count + 1) % WRAP;
}

/** How many stanzas lie between two counts, across the 2^32 wrap. */
export function countsBetween(from: number, to: number): number {
  return (to - from + WRAP) % WRAP;
}

/** Parses an 'h' attribute: a whole number below 2^32, or null. */
export function parseCount(text: string | undefined): number | null {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return null;
  const value = Number(text);
  return value < WRAP ? value : null;
}

export interface QueueLimits {
  stanzas: number;
  bytes: number;
}

interface Entry {
  stanza: Element;
  bytes: number;
}

/**
 * The stanzas sent to the client (or held for it while it is away) that it has not yet
 * acknowledged, oldest first. `sent` is the server's outbound count: the number of the last
 * stanza in the queue.
 */
export class UnackedQueue {
  private entries: Entry[] = [];
  private head = 0;
  private heldBytes = 0;
  private sentCount = 0;

  constructor(private readonly limits: QueueLimits) {}

  get sent(): number {
    return this.sentCount;
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  get bytes(): number {
    return this.heldBytes;
  }

  /** Adds a stanza; false (and nothing added) when that would pass a limit. */
  push(stanza: Element): boolean {
    const bytes = Buffer.byteLength(stanza.toString());
    if (this.length + 1 > this.limits.stanzas || this.heldBytes + bytes > this.limits.bytes) return false;
    this.entries.push({ stanza, bytes });
    this.heldBytes += bytes;
    this.sentCount = nextCount(this.sentCount);
    return true;
  }

  /**
   * The client handled every stanza up to count h: they leave the queue. An h below an
   * earlier one changes nothing; false when h acknowledges stanzas that were never sent.
   */
  acknowledge(h: number): boolean {
    const acknowledgedBefore = countsBetween(this.length, this.sentCount);
    const newlyAcknowledged = countsBetween(acknowledgedBefore, h);
    if (newlyAcknowledged > this.length) return countsBetween(h, acknowledgedBefore) < WRAP / 2;
    for (let i = 0; i < newlyAcknowledged; i++) {
      this.heldBytes -= this.entries[this.head]!.bytes;
      this.head += 1;
    }
    // Compact once the consumed prefix is as long as what remains.
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  /** What the client has not acknowledged, oldest first. */
  pending(): Element[] {
    return this.entries.slice(this.head).map((entry) => entry.stanza);
  }

  /** Empties the queue, returning what it held. */
  drain(): Element[] {
    const pending = this.pending();
    this.entries = [];
    this.head = 0;
    this.heldBytes = 0;
    return pending;
  }
}
