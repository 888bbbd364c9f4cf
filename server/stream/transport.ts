import type { Element } from '../xml/element.js';
import type { ParserLimits } from '../xml/stream-parser.js';

/**
 * What the negotiator needs from a transport. A transport only frames bytes: a raw TCP
 * stream, RFC 7395 WebSocket frames, or BOSH bodies.
 */
export interface StreamTransport {
  readonly kind: 'tcp' | 'websocket' | 'bosh';
  /** The client's address after trusted proxies; never logged unless the admin allows it. */
  readonly remoteAddress: string;
  /** The channel is encrypted, or counts as secure (loopback or a trusted TLS proxy). */
  readonly secure: boolean;
  /** STARTTLS can be offered now. */
  readonly canStartTls: boolean;
  /** Opens the response stream (TCP header, WebSocket <open/>, BOSH session attributes). */
  sendHeader(attrs: Record<string, string>): void;
  /** Sends one top-level element: a stanza, features, SASL nonzas, a stream error. */
  sendElement(element: Element): void;
  /** Closes our side of the stream and then the connection. */
  close(): void;
  /** TCP: after <proceed/> is written, switches the socket to TLS and expects a new header. */
  startTls?(): void;
  /** A new stream header is expected (after SASL success). */
  expectRestart(): void;
  /** Before and after authentication the limits differ. */
  setLimits(limits: ParserLimits): void;
}
