/**
 * A client's read allowance ([limits].read_rate and read_burst): a token bucket of bytes
 * that refills at `rate` bytes per second and holds at most `burst`. Bytes already read are
 * always charged, so the balance may go below zero; the reader then waits until it is back
 * at zero. Over any window a client is thus processed at no more than burst + rate × time.
 */
export class ReadBudget {
  private balance: number;
  private updated: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.balance = burst;
    this.updated = now();
  }

  /** Charges bytes that were read; returns the milliseconds to wait before reading more (0: none). */
  charge(bytes: number): number {
    this.refill();
    this.balance -= bytes;
    return this.delay();
  }

  /** Milliseconds until the balance is back at zero (0 when it is not below). */
  delay(): number {
    this.refill();
    return this.balance >= 0 ? 0 : Math.ceil((-this.balance / this.rate) * 1000);
  }

  private refill(): void {
    const now = this.now();
    this.balance = Math.min(this.burst, this.balance + ((now - this.updated) / 1000) * this.rate);
    this.updated = now;
  }
}

/** What a throttle pauses: a socket, or a WebSocket (which pauses its socket). */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Pauses reading from a connection while its ReadBudget is spent, so the kernel's receive
 * window fills and the client's writes block; reading resumes when the budget allows.
 * `target` is asked each time, as the socket may change (STARTTLS).
 */
export class ReadThrottle {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly budget: ReadBudget, private readonly target: () => Pausable) {}

  /** The connection just read this many bytes. */
  consumed(bytes: number): void {
    const wait = this.budget.charge(bytes);
    if (wait === 0 || this.timer !== null || this.stopped) return;
    this.target().pause();
    this.resumeAfter(wait);
  }

  /** The connection is gone: no more timers. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private resumeAfter(wait: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      // Data read after the pause (already buffered) was charged too: wait for it as well.
      const more = this.budget.delay();
      if (more > 0) this.resumeAfter(more);
      else this.target().resume();
    }, wait);
    this.timer.unref();
  }
}

/** The budget [limits] gives every client connection. */
export function readBudgetFor(limits: { read_rate: number; read_burst: number }): ReadBudget {
  return new ReadBudget(limits.read_rate, limits.read_burst);
}
