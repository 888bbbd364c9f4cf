/**
 * LISTEN palaver_changes on a client of its own (a pooled connection cannot hold a LISTEN).
 * When that connection fails it reconnects with a growing delay and then asks for a full
 * reload: notifications sent while it was away are lost for good.
 */
import pg from 'pg';
import type { Logger } from '../../log.js';

export const CHANGES_CHANNEL = 'palaver_changes';

const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5_000;

export interface ChangeListenerOptions {
  config: pg.ClientConfig;
  log: Logger;
  onChange(payload: string, senderProcess: number): void;
  /** Called after a reconnection (not after the first connection). */
  onReconnected(): void;
}

export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = RECONNECT_FIRST_MS;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ChangeListenerOptions) {}

  /** The first connection; its failure is the caller's (the storage does not open). */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options.config);
    // Before connect: an error emitted at any time must not crash the process.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL && message.payload !== undefined) this.options.onChange(message.payload, message.processId);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client, error: Error | null): void {
    if (this.client !== client || this.closed) return;
    this.client = null;
    this.options.log.error({ err: error ?? undefined }, 'lost the PostgreSQL change notifications; reconnecting');
    client.end().catch(() => undefined);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(() => {
        if (this.closed) return;
        this.retryMs = RECONNECT_FIRST_MS;
        this.options.log.info('PostgreSQL change notifications are back; reloading the mirror');
        this.options.onReconnected();
      }, () => {
        if (this.closed) return;
        this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
        this.reconnectLater();
      });
    }, this.retryMs);
  }
}
