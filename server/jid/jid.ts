/**
 * JIDs (RFC 7622). A Jid is always normalised: construct it only through parseJid/Jid.of,
 * never from unchecked parts, so comparisons can be plain string equality.
 */
import { DomainError, normaliseDomainpart } from './domain.js';
import { opaqueString, PrecisError, usernameCaseMapped } from './precis.js';

export class JidError extends Error {}

export class Jid {
  // A Jid never changes, so its text and bare form are worked out once: routing asks for
  // them on every delivery.
  private text: string | undefined;
  private bareJid: Jid | undefined;

  private constructor(
    readonly local: string | null,
    readonly domain: string,
    readonly resource: string | null,
  ) {}

  /** Builds a JID from parts, normalising and validating each (throws JidError). */
  static of(local: string | null, domain: string, resource: string | null = null): Jid {
    return new Jid(
      local === null ? null : normaliseLocalpart(local),
      normaliseDomain(domain),
      resource === null ? null : normaliseResource(resource),
    );
  }

  get isBare(): boolean { return this.resource === null; }
  get isDomain(): boolean { return this.local === null && this.resource === null; }

  bare(): Jid {
    if (this.resource === null) return this;
    return this.bareJid ??= new Jid(this.local, this.domain, null);
  }
  withResource(resource: string): Jid { return new Jid(this.local, this.domain, normaliseResource(resource)); }

  equals(other: Jid | null | undefined): boolean { return !!other && other.toString() === this.toString(); }

  toString(): string {
    if (this.text !== undefined) return this.text;
    let s = this.domain;
    if (this.local !== null) s = `${this.local}@${s}`;
    if (this.resource !== null) s = `${s}/${this.resource}`;
    return (this.text = s);
  }
}

/** Parses and normalises a JID string; throws JidError when it is not a valid JID. */
export function parseJid(input: string): Jid {
  const slash = input.indexOf('/');
  const beforeResource = slash === -1 ? input : input.slice(0, slash);
  const resource = slash === -1 ? null : input.slice(slash + 1);
  const at = beforeResource.indexOf('@');
  const local = at === -1 ? null : beforeResource.slice(0, at);
  const domain = at === -1 ? beforeResource : beforeResource.slice(at + 1);
  return Jid.of(local, domain, resource);
}

/** parseJid that returns null instead of throwing. */
export function tryParseJid(input: string | undefined | null): Jid | null {
  if (input === undefined || input === null) return null;
  try {
    return parseJid(input);
  } catch (error) {
    if (error instanceof JidError) return null;
    throw error;
  }
}

// --- Normalisation (RFC 7622 §3.2-§3.4); the PRECIS and IDNA work lives in precis.ts and domain.ts ---

const MAX_PART_BYTES = 1023;
// RFC 7622 §3.3.1: not allowed in a localpart although the IdentifierClass admits them.
const LOCALPART_PROHIBITED = /["&'/:<>@]/;

function normaliseLocalpart(local: string): string {
  const value = enforce(usernameCaseMapped, local, 'localpart');
  if (LOCALPART_PROHIBITED.test(value)) throw new JidError('localpart: contains one of " & \' / : < > @');
  return value;
}

function normaliseDomain(domain: string): string {
  try {
    return normaliseDomainpart(domain);
  } catch (error) {
    if (error instanceof DomainError) throw new JidError(`domainpart: ${error.message}`);
    throw error;
  }
}

function normaliseResource(resource: string): string {
  return enforce(opaqueString, resource, 'resourcepart');
}

function enforce(profile: (input: string) => string, input: string, part: string): string {
  let value: string;
  try {
    value = profile(input);
  } catch (error) {
    if (error instanceof PrecisError) throw new JidError(`${part}: ${error.message}`);
    throw error;
  }
  // UTF-16 length bounds the UTF-8 length: at least 1 and at most 3 bytes per code unit.
  if (value.length > MAX_PART_BYTES || (value.length * 3 > MAX_PART_BYTES && Buffer.byteLength(value) > MAX_PART_BYTES)) {
    throw new JidError(`${part}: longer than ${MAX_PART_BYTES} bytes`);
  }
  return value;
}
