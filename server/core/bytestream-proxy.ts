import { serviceKey } from './services.js';

/** What activating a bytestream (XEP-0065 §6.3.4) came to. */
export type ActivationResult = 'activated' | 'not-found' | 'already-active';

/**
 * The SOCKS5 bytestreams proxy as features see it: where clients connect, and activation of
 * a pair of connections by their DST.ADDR (SHA-1 of sid, initiator and target, in hex). The
 * start-up code opens the listener ([proxy].listen) and provides it; the proxy module answers
 * the XMPP side.
 */
export interface BytestreamProxy {
  /** The address given to clients in <streamhost/>. */
  readonly streamhost: { host: string; port: number };
  activate(hash: string): ActivationResult;
}

export const BYTESTREAM_PROXY = serviceKey<BytestreamProxy>('bytestream proxy');
