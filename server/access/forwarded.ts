import { normaliseAddress, parseAddress, type NetworkList } from './address.js';

/** Who is really at the other end of an HTTP request. */
export interface ClientAddress {
  /** The client's address after trusted proxies, canonical (see normaliseAddress). Never logged by default. */
  address: string;
  /**
   * The channel counts as secure (DESIGN.md): the request came over TLS, through a trusted
   * proxy that says X-Forwarded-Proto: https, or from loopback.
   */
  secure: boolean;
}

/** What resolveClient reads from a request; header values as Node gives them. */
export interface PeerRequest {
  /** socket.remoteAddress */
  peer: string | undefined;
  /** The request itself arrived over TLS. */
  encrypted: boolean;
  forwardedFor: string | string[] | undefined;
  forwardedProto: string | string[] | undefined;
}

/**
 * Applies [access].trusted_proxies: X-Forwarded-For is read right to left, each entry
 * replacing the current address while that address is a trusted proxy, so the result is the
 * right-most address that is not a trusted proxy. Headers from any other peer are ignored
 * (the peer is the client). Returns null when a trusted proxy sent an entry that is not an
 * IP address: the request is refused rather than attributed to the proxy.
 *
 * Entries left of the client's own address were written by the client and are never read.
 */
export function resolveClient(request: PeerRequest, trusted: NetworkList): ClientAddress | null {
  const peer = normaliseAddress(request.peer);
  let address = peer;
  const hops = headerList(request.forwardedFor);
  while (trusted.contains(address) && hops.length > 0) {
    const hop = parseHop(hops.pop()!);
    if (hop === null) return null;
    address = hop;
  }
  const proxied = trusted.contains(peer);
  // The nearest trusted proxy's word about the scheme: the right-most value.
  const proto = proxied ? headerList(request.forwardedProto).pop()?.toLowerCase() : undefined;
  const secure = request.encrypted || proto === 'https' || isLoopback(address);
  return { address, secure };
}

export function isLoopback(address: string): boolean {
  return parseAddress(address)?.range() === 'loopback';
}

/** Comma-separated values of a header that may have been sent more than once. */
function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** An X-Forwarded-For entry: an IP address, optionally "[v6]:port" or "v4:port" as some proxies write. */
function parseHop(entry: string): string | null {
  let text = entry;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.indexOf(':'));
  const parsed = parseAddress(text);
  return parsed ? parsed.toString() : null;
}
