import type { Session } from '../../core/session.js';

/** A sender with this many call stanzas waiting is sending faster than the cluster answers: more are refused. */
export const MAX_HELD_PER_SENDER = 32;

/**
 * Call stanzas of a sender that wait for an answer from other cluster nodes, decided one
 * after the other: while one waits, every later call stanza of the same session waits behind
 * it, so that a call's signals (propose, then Jingle iqs) reach the callee in the order sent.
 */
export class HeldCalls {
  private readonly queues = new Map<Session, { length: number; tail: Promise<void> }>();

  /** Whether call stanzas of this session are waiting (a later one must wait behind them). */
  holds(sender: Session): boolean {
    return this.queues.has(sender);
  }

  /** Runs `decide` after the session's earlier held stanzas; false (nothing held) when too many wait. */
  hold(sender: Session, decide: () => Promise<void>, failed: (error: unknown) => void): boolean {
    const queue = this.queues.get(sender) ?? { length: 0, tail: Promise.resolve() };
    if (queue.length >= MAX_HELD_PER_SENDER) return false;
    queue.length++;
    queue.tail = queue.tail.then(decide).catch(failed).finally(() => {
      if (--queue.length === 0 && this.queues.get(sender) === queue) this.queues.delete(sender);
    });
    this.queues.set(sender, queue);
    return true;
  }
}
