import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AccessControl, Admission } from './control.js';
import { normaliseAddress } from './address.js';

/** A refused connection is cut this long after its 429, whether or not the client read it. */
const REFUSAL_GRACE_MS = 2_000;
const REFUSAL_TEXT = 'Too many connections from your address.\n';
const REFUSAL = 'HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n'
  + `Content-Length: ${Buffer.byteLength(REFUSAL_TEXT)}\r\n\r\n${REFUSAL_TEXT}`;

interface CountedConnection {
  address: string;
  admission: Admission;
}

/**
 * Plain HTTP connections count against [access].max_connections_per_address, as XMPP
 * streams do: a half-sent request holds a socket as surely as a stream does. The count is
 * by the peer's address, taken when the connection opens; a trusted proxy's connections
 * carry many clients and are not counted (the proxy buffers slow requests itself, and the
 * WebSocket and BOSH sessions behind it count by the forwarded address). Over the limit the
 * connection gets a 429 and is closed; nothing it sends is served.
 */
export class HttpConnectionLimit {
  private readonly counted = new WeakMap<Duplex, CountedConnection>();
  private readonly refused = new WeakSet<Duplex>();

  constructor(private readonly access: AccessControl) {}

  /** A new connection on the HTTP listener (before any byte of it is read). */
  onConnection(socket: Socket): void {
    const address = normaliseAddress(socket.remoteAddress);
    // Outside the allowlist each request gets its 403 (access/admission.ts); a proxy is not counted.
    if (!this.access.allows(address) || this.access.isTrustedProxy(address)) return;
    const admission = this.access.admit(address);
    if (!admission) {
      this.refuse(socket);
      return;
    }
    this.counted.set(socket, { address, admission });
    socket.once('close', () => admission.release());
  }

  /** The connection was refused: ignore what it sends until it is closed. */
  isRefused(socket: Duplex): boolean {
    return this.refused.has(socket);
  }

  /**
   * The count this connection already holds, when `address` is the one it was counted for:
   * a WebSocket upgrade keeps its connection, so it must not count a second time.
   */
  admissionOf(socket: Duplex, address: string): Admission | null {
    const counted = this.counted.get(socket);
    return counted?.address === address ? counted.admission : null;
  }

  private refuse(socket: Socket): void {
    this.refused.add(socket);
    socket.on('error', () => socket.destroy());
    socket.end(REFUSAL);
    setTimeout(() => socket.destroy(), REFUSAL_GRACE_MS).unref();
  }
}
