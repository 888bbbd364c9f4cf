/**
 * Host names, listen addresses and IP ranges as the config file writes them. Listeners use
 * parseListenAddress to turn `[listen].c2s` etc. into arguments for `server.listen()`.
 */
import ipaddr from 'ipaddr.js';

export interface ListenAddress {
  /** Host to bind: an IPv4 address, an IPv6 address without brackets, or a host name. */
  host: string;
  /** 0..65535; 0 asks the system for a free port (tests). */
  port: number;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** A DNS host name in lowercase ASCII (IDNs in their xn-- form), at most 253 characters. */
export function isHostname(text: string): boolean {
  return text.length > 0 && text.length <= 253 && HOSTNAME.test(text);
}

/** An IPv4 address in dotted four-part form or any IPv6 address (no brackets, no zone). */
export function isIpAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(':') && ipaddr.IPv6.isValid(text));
}

/** An IP address or a CIDR range ("10.0.0.0/8", "::1", "fd00::/8"). */
export function isAddressOrCidr(text: string): boolean {
  if (isIpAddress(text)) return true;
  const slash = text.indexOf('/');
  if (slash === -1) return false;
  const address = text.slice(0, slash);
  if (!isIpAddress(address)) return false;
  return ipaddr.isValidCIDR(text);
}

/**
 * Parses `host:port` or `[v6]:port` (host an IPv4 address, a host name such as `localhost`,
 * or `0.0.0.0` / `[::]` for every interface). Throws an Error saying what is wrong.
 */
export function parseListenAddress(text: string): ListenAddress {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1 || text[close + 1] !== ':') throw new Error('an IPv6 address is written "[::1]:5222"');
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (!ipaddr.IPv6.isValid(host)) throw new Error(`"${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon === -1) throw new Error('missing ":port"');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) throw new Error('put an IPv6 address in brackets, e.g. "[::1]:5222"');
    if (host === '') throw new Error('missing host (use "0.0.0.0" or "[::]" for every interface)');
    if (!ipaddr.IPv4.isValidFourPartDecimal(host) && !isHostname(host.toLowerCase())) {
      throw new Error(`"${host}" is not an IP address or host name`);
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new Error(`port must be a number from 0 to 65535`);
  return { host, port: Number(portText) };
}

/** True for `localhost`, 127.0.0.0/8, ::1 and ::ffff:127.x.y.z. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (!isIpAddress(bare)) return false;
  return ipaddr.process(bare).range() === 'loopback';
}
