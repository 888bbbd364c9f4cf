import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A list of addresses and CIDR ranges ([access].allow, [access].trusted_proxies).
 * Client addresses are compared in canonical form: an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, as dual-stack listeners report IPv4 clients) matches IPv4 rules, and an
 * IPv4-mapped rule (::ffff:10.0.0.0/104) matches plain IPv4 clients.
 */
export class NetworkList {
  private readonly ranges: Range[];

  /** Entries were validated with the config (isAddressOrCidr); an invalid one throws. */
  constructor(entries: readonly string[]) {
    this.ranges = entries.map(parseRange);
  }

  get isEmpty(): boolean {
    return this.ranges.length === 0;
  }

  /** False for anything that is not an IP address. */
  contains(address: string): boolean {
    if (this.ranges.length === 0) return false;
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.ranges.some((range) => inRange(parsed, range));
  }
}

function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, [network, bits]: Range): boolean {
  if (address instanceof ipaddr.IPv4) return network instanceof ipaddr.IPv4 && address.match(network, bits);
  return network instanceof ipaddr.IPv6 && address.match(network, bits);
}

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Addresses already parsed, by their text: every connection and request is checked several
 * times (allowlist, proxies, loopback, per-address limits), mostly from a few addresses, and
 * parsing was a few per cent of a WebSocket sign-in. Bounded: emptied when full.
 */
const parsedAddresses = new Map<string, { address: Address | null; canonical: string | null }>();
const PARSED_ADDRESSES_MAX = 4096;

function parsed(text: string): { address: Address | null; canonical: string | null } {
  let entry = parsedAddresses.get(text);
  if (!entry) {
    const address = parseUncached(text);
    entry = { address, canonical: address ? address.toString() : null };
    if (parsedAddresses.size >= PARSED_ADDRESSES_MAX) parsedAddresses.clear();
    parsedAddresses.set(text, entry);
  }
  return entry;
}

/** An IP address in canonical form (IPv4-mapped IPv6 → IPv4), or null. Do not modify it: it is shared. */
export function parseAddress(text: string): Address | null {
  return parsed(text).address;
}

/** The canonical text of an IP address (IPv4-mapped IPv6 → IPv4), or null for anything else. */
export function canonicalAddress(text: string): string | null {
  return parsed(text).canonical;
}

function parseUncached(text: string): Address | null {
  if (!ipaddr.isValid(text)) return null;
  // ipaddr.isValid accepts short IPv4 forms such as "10.1"; proxies and sockets never write those.
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  return ipaddr.process(text);
}

function parseRange(entry: string): Range {
  let range: Range;
  if (entry.includes('/')) {
    range = ipaddr.parseCIDR(entry);
  } else {
    const address = ipaddr.parse(entry);
    range = [address, address.kind() === 'ipv4' ? 32 : 128];
  }
  const [network, bits] = range;
  if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(network as ipaddr.IPv6).toIPv4Address(), bits - 96];
  }
  return range;
}

/**
 * A client address in canonical form: IPv4-mapped IPv6 (::ffff:a.b.c.d, as dual-stack
 * listeners report IPv4 clients) becomes plain IPv4, so one client has one key.
 */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return canonicalAddress(address) ?? address;
}

/** Leading 16-bit groups of an IPv6 address that one subscriber holds: a /64 (RFC 6177). */
const IPV6_SUBSCRIBER_GROUPS = 4;

/**
 * The key under which a client address is counted by every per-address limit (connections,
 * guest sign-ins, SASL failures) and hashed for guest upload quotas and bans: an IPv4 address
 * (an IPv4-mapped IPv6 address counts as its IPv4 address), or the /64 of an IPv6 address,
 * which one home or phone usually owns entirely, so hopping between its addresses does not
 * help. Anything that is not an IP address is its own key. The text format is the one ban
 * hashes were stored with (server/muc/address-ban.ts): changing it would unban people.
 */
export function addressLimitKey(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) return address;
  if (!(parsed instanceof ipaddr.IPv6)) return parsed.toString();
  return `${parsed.parts.slice(0, IPV6_SUBSCRIBER_GROUPS).map((group) => group.toString(16)).join(':')}::/64`;
}
