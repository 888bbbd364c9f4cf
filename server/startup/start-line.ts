import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../config/address.js';
import type { Config } from '../config/types.js';

export interface BoundAddresses {
  c2s?: AddressInfo;
  c2sDirectTls?: AddressInfo;
  http?: AddressInfo;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);

/**
 * The first line an admin reads: where to point a browser, and what Gajim users type. The
 * page's address is [listen].public_url (what the links are built from); Gajim users sign in
 * as user@<domain>, and are told the host and port when the listener is not on every
 * interface (their client would otherwise look the domain up in DNS).
 */
export function startMessage(config: Config, bound: BoundAddresses): string {
  const web = bound.http
    ? `open ${config.listen.public_url.replace(/\/*$/, '/')} in a browser`
    : 'no web page ([listen].http is off)';
  return `Palaver is listening: ${web}; ${gajimHint(config, bound)}`;
}

function gajimHint(config: Config, bound: BoundAddresses): string {
  const listener = bound.c2s ?? bound.c2sDirectTls;
  if (!listener) return 'no XMPP listener for Gajim ([listen].c2s and c2s_direct_tls are off)';
  const kind = bound.c2s ? 'STARTTLS' : 'direct TLS';
  const where = WILDCARDS.has(listener.address)
    ? `port ${listener.port}`
    : `host ${listener.family === 'IPv6' ? `[${listener.address}]` : listener.address}, port ${listener.port}`;
  return `Gajim users sign in as name@${config.server.domain} (${where}, ${kind})`;
}

/**
 * A warning for the start log when people elsewhere would get http:// upload links: Gajim
 * (and other clients that insist on TLS for uploads) cannot send files, and the guests' page
 * itself travels in the clear. A loopback public_url is a trial on one machine (the README
 * says uploads from Gajim need https there too), so the log stays quiet about it.
 */
export function insecurePublicUrlWarning(config: Config): string | null {
  const { protocol, hostname } = new URL(config.listen.public_url);
  if (!config.upload.enabled || protocol !== 'http:' || isLoopbackHost(hostname)) return null;
  return `[listen].public_url is ${config.listen.public_url}: upload links are http://, which Gajim refuses ` +
    '(insecure transport), and the page and its messages are not encrypted. Put Palaver behind a TLS proxy ' +
    'and set public_url to its https:// address (docs/deployment.md).';
}

/** host:port of a bound listener, for the start line's fields. */
export function hostPort(address: AddressInfo | undefined): string | undefined {
  if (!address) return undefined;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
