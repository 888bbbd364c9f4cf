import { StreamError } from '../xml/errors.js';
import type { XmppStream } from '../stream/xmpp-stream.js';

/** Every open client stream, so that shutdown can close each with system-shutdown. */
export class ConnectionTracker {
  private readonly streams = new Set<XmppStream>();

  add(stream: XmppStream): void {
    this.streams.add(stream);
  }

  delete(stream: XmppStream): void {
    this.streams.delete(stream);
  }

  get size(): number {
    return this.streams.size;
  }

  closeAll(): void {
    for (const stream of this.streams) stream.close(new StreamError('system-shutdown', 'the server is shutting down'));
    this.streams.clear();
  }
}
