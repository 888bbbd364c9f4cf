import type { Element } from '../../xml/element.js';
import { StreamError } from '../../xml/errors.js';
import { ack, ackRequest, failed, handledCountTooHigh } from './elements.js';
import { nextCount, parseCount, UnackedQueue, type QueueLimits } from './unacked-queue.js';

/** Stanzas kept aside (to bounce) in the turn in which the queue filled up. */
const MAX_SPILLED = 256;

/** What stream management needs from the connection it currently runs on. */
export interface SmLink {
  /** Writes a nonza, or a stanza being sent again, straight to the transport. */
  write(element: Element): void;
  /** Ends the connection with a stream error (the session ends with it). */
  fail(error: StreamError): void;
}

/** Who may resume a session: the id the client was given, and whose it is. */
export interface Resumption {
  readonly id: string;
  /** The host the session was bound on; a resume must authenticate there. */
  readonly host: string;
  /** The account's username; null for a guest, whose new sign-in gets a new name (the id is the proof). */
  readonly username: string | null;
  /** How long (ms) the session waits for its client once the connection is gone. */
  readonly timeout: number;
}

/**
 * XEP-0198 for one session, from <enable/> on: the count of stanzas handled from the client,
 * the stanzas sent to it and not yet acknowledged, and the ack requests. It outlives a
 * connection when the session is resumable, and moves to the connection that resumes it.
 */
export class StreamManagement {
  private handled = 0;
  private readonly queue: UnackedQueue;
  private ackRequested = false;
  /** Stanzas that found the queue full; the session is about to end. */
  private readonly spilled: Element[] = [];
  /** Ends the detached session (set while no connection holds it). */
  private endDetached: (() => void) | null = null;

  constructor(
    readonly resumption: Resumption | null,
    limits: QueueLimits,
    private link: SmLink | null,
  ) {
    this.queue = new UnackedQueue(limits);
  }

  get handledCount(): number {
    return this.handled;
  }

  get sentCount(): number {
    return this.queue.sent;
  }

  get unacknowledgedCount(): number {
    return this.queue.length;
  }

  get attached(): boolean {
    return this.link !== null;
  }

  /** A stanza from the client was processed. */
  stanzaHandled(): void {
    this.handled = nextCount(this.handled);
  }

  /**
   * A stanza goes to the client (or waits for it while detached): true when the caller
   * writes it now. When the queue is full the stanza is kept aside and, once this turn's
   * work is done (never in the middle of a room's fan-out), the stream or the detached
   * session ends: what was kept aside is then answered as undelivered with the rest.
   */
  track(stanza: Element): boolean {
    if (this.spilled.length > 0 || !this.queue.push(stanza)) {
      this.spill(stanza);
      return false;
    }
    if (this.link && !this.ackRequested) {
      this.ackRequested = true;
      // One request after this turn's burst, written before the transport's flush.
      queueMicrotask(() => this.link?.write(ackRequest()));
    }
    return this.link !== null;
  }

  /** <r/>, <a/> and misplaced <enable/> or <resume/> on a stream that has it enabled. */
  onNonza(element: Element): void {
    const link = this.link;
    if (!link) return;
    switch (element.name) {
      case 'r':
        link.write(ack(this.handled));
        return;
      case 'a':
        this.onAck(link, element.attrs.h);
        return;
      case 'enable':
      case 'resume':
        link.write(failed('unexpected-request', this.handled));
        return;
      default:
        link.fail(new StreamError('unsupported-stanza-type', `<${element.name}/> is not a stream management nonza`));
    }
  }

  /** The client left without closing its stream: stanzas queue until it resumes or the session ends. */
  detach(end: () => void): void {
    this.link = null;
    this.ackRequested = false;
    this.endDetached = end;
  }

  /**
   * The client resumes on a new connection having handled h of our stanzas. False (nothing
   * written) if h is more than were sent; otherwise `greeting` (<resumed/>) is written, then
   * the stanzas the client has not seen, in their order.
   */
  resume(link: SmLink, h: number, greeting: Element): boolean {
    if (!this.queue.acknowledge(h)) return false;
    this.link = link;
    this.endDetached = null;
    link.write(greeting);
    for (const stanza of this.queue.pending()) link.write(stanza);
    if (this.queue.length > 0) {
      this.ackRequested = true;
      link.write(ackRequest());
    }
    return true;
  }

  /** The session ends: what the client never acknowledged, for the caller to bounce. */
  unacknowledged(): Element[] {
    return [...this.queue.drain(), ...this.spilled.splice(0)];
  }

  private spill(stanza: Element): void {
    // Past the cap a runaway burst is not kept either: one spilled stanza is enough to end it.
    if (this.spilled.length >= MAX_SPILLED) return;
    this.spilled.push(stanza);
    if (this.spilled.length > 1) return;
    queueMicrotask(() => {
      if (this.link) this.link.fail(new StreamError('policy-violation', 'too many unacknowledged stanzas'));
      else this.endDetached?.();
    });
  }

  private onAck(link: SmLink, text: string | undefined): void {
    const h = parseCount(text);
    if (h === null) {
      link.fail(new StreamError('bad-format', "<a/> needs an 'h' count"));
      return;
    }
    this.ackRequested = false;
    if (!this.queue.acknowledge(h)) {
      link.fail(new StreamError('undefined-condition', 'acknowledged more stanzas than were sent',
        handledCountTooHigh(h, this.queue.sent)));
    }
  }
}
