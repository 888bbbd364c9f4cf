/**
 * The SOCKS5 (RFC 1928) messages a XEP-0065 proxy exchanges: a greeting offering "no
 * authentication", then one CONNECT whose DST.ADDR is a domain name (the 40 hex digits of
 * the stream hash) and whose DST.PORT is 0. Parsing works on what has arrived so far and
 * says when more bytes are needed.
 */
export const SOCKS_VERSION = 5;
const NO_AUTHENTICATION = 0;
const NO_ACCEPTABLE_METHOD = 0xff;
const CONNECT = 1;
const DOMAIN_NAME = 3;

export const REPLY = { succeeded: 0, notAllowed: 2, commandNotSupported: 7, addressNotSupported: 8, failure: 1 } as const;

export type Parsed<T> = { need: 'more' } | { error: Buffer } | { value: T; rest: Buffer };

/** The greeting: the client must offer method 0 (no authentication). */
export function parseGreeting(data: Buffer): Parsed<Buffer> {
  if (data.length < 2) return { need: 'more' };
  if (data[0] !== SOCKS_VERSION) return { error: Buffer.from([SOCKS_VERSION, NO_ACCEPTABLE_METHOD]) };
  const end = 2 + data[1]!;
  if (data.length < end) return { need: 'more' };
  const methods = data.subarray(2, end);
  if (!methods.includes(NO_AUTHENTICATION)) return { error: Buffer.from([SOCKS_VERSION, NO_ACCEPTABLE_METHOD]) };
  return { value: Buffer.from([SOCKS_VERSION, NO_AUTHENTICATION]), rest: data.subarray(end) };
}

/** The CONNECT request: its DST.ADDR, the stream hash (lower-case hex). */
export function parseConnect(data: Buffer): Parsed<string> {
  if (data.length < 5) return { need: 'more' };
  if (data[0] !== SOCKS_VERSION) return { error: reply(REPLY.failure) };
  if (data[1] !== CONNECT) return { error: reply(REPLY.commandNotSupported) };
  if (data[3] !== DOMAIN_NAME) return { error: reply(REPLY.addressNotSupported) };
  const length = data[4]!;
  const end = 5 + length + 2;
  if (data.length < end) return { need: 'more' };
  const hash = data.subarray(5, 5 + length).toString('latin1').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(hash) || data.readUInt16BE(5 + length) !== 0) return { error: reply(REPLY.notAllowed) };
  return { value: hash, rest: data.subarray(end) };
}

/** A reply; a success repeats the request's address (XEP-0065 §6.3.3). */
export function reply(code: number, hash?: string): Buffer {
  if (hash === undefined) return Buffer.from([SOCKS_VERSION, code, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([Buffer.from([SOCKS_VERSION, code, 0, DOMAIN_NAME, hash.length]), Buffer.from(hash, 'latin1'), Buffer.from([0, 0])]);
}
