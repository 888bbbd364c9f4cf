import { describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import { countsBetween, nextCount, parseCount, UnackedQueue } from '../../server/stream/sm/unacked-queue.js';

const MAX = 2 ** 32 - 1;

function message(n: number) {
  return xml('message', { to: 'a@localhost/r', id: String(n) }, xml('body', {}, `message ${n}`));
}

/** A queue whose outbound count starts near the 2^32 wrap: sends and acknowledges `start` stanzas first. */
function queueAt(start: number, limits = { stanzas: 10, bytes: 10_000 }): UnackedQueue {
  const queue = new UnackedQueue(limits);
  // Walking to 2^32 one stanza at a time would take long: reach in with a cast for the start count.
  (queue as unknown as { sentCount: number }).sentCount = start;
  return queue;
}

describe('XEP-0198 counts', () => {
  it('wrap at 2^32', () => {
    expect(nextCount(MAX)).toBe(0);
    expect(countsBetween(MAX - 1, 2)).toBe(4);
    expect(parseCount(String(MAX))).toBe(MAX);
    expect(parseCount(String(MAX + 1))).toBeNull();
    expect(parseCount('-1')).toBeNull();
    expect(parseCount('1e3')).toBeNull();
    expect(parseCount(undefined)).toBeNull();
  });
});

describe('the unacknowledged queue', () => {
  it('drops what the client acknowledged, across the wrap', () => {
    const queue = queueAt(MAX - 2);
    for (let i = 0; i < 5; i++) expect(queue.push(message(i))).toBe(true);
    expect(queue.sent).toBe(2);
    expect(queue.acknowledge(MAX)).toBe(true);
    expect(queue.pending().map((stanza) => stanza.attrs.id)).toEqual(['2', '3', '4']);
    expect(queue.acknowledge(1)).toBe(true);
    expect(queue.pending().map((stanza) => stanza.attrs.id)).toEqual(['4']);
    // An older count changes nothing; a count past what was sent is refused.
    expect(queue.acknowledge(MAX)).toBe(true);
    expect(queue.length).toBe(1);
    expect(queue.acknowledge(3)).toBe(false);
    expect(queue.length).toBe(1);
    expect(queue.acknowledge(2)).toBe(true);
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it('refuses a stanza past its count or byte cap', () => {
    const byCount = queueAt(0, { stanzas: 2, bytes: 10_000 });
    expect(byCount.push(message(1))).toBe(true);
    expect(byCount.push(message(2))).toBe(true);
    expect(byCount.push(message(3))).toBe(false);
    expect(byCount.sent).toBe(2);
    byCount.acknowledge(1);
    expect(byCount.push(message(3))).toBe(true);

    const size = Buffer.byteLength(message(1).toString());
    const byBytes = queueAt(0, { stanzas: 100, bytes: size * 2 + 1 });
    expect(byBytes.push(message(1))).toBe(true);
    expect(byBytes.push(message(2))).toBe(true);
    expect(byBytes.push(message(3))).toBe(false);
    expect(byBytes.drain()).toHaveLength(2);
    expect(byBytes.bytes).toBe(0);
  });
});
