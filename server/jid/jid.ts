/**
 * JIDs (RFC 7622). A Jid is always normalised: construct it only through parseJid/Jid.of,
 * never from unchecked parts, so comparisons can be plain string equality.
 */
export class JidError extends Error {}

export class Jid {
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

  bare(): Jid { return this.resource === null ? this : new Jid(this.local, this.domain, null); }
  withResource(resource: string): Jid { return new Jid(this.local, this.domain, normaliseResource(resource)); }

  equals(other: Jid | null | undefined): boolean { return !!other && other.toString() === this.toString(); }

  toString(): string {
    let s = this.domain;
    if (this.local !== null) s = `${this.local}@${s}`;
    if (this.resource !== null) s = `${s}/${this.resource}`;
    return s;
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

// --- Normalisation (placeholder rules; precis.ts replaces these with RFC 7622 / PRECIS profiles) ---
function normaliseLocalpart(local: string): string {
  const value = local.normalize('NFC').toLowerCase();
  if (value.length === 0 || Buffer.byteLength(value) > 1023) throw new JidError('localpart length');
  if (/["&'/:<>@\s]/u.test(value)) throw new JidError('localpart character');
  return value;
}

function normaliseDomain(domain: string): string {
  const value = domain.replace(/\.$/, '').toLowerCase();
  if (value.length === 0 || Buffer.byteLength(value) > 1023) throw new JidError('domain length');
  return value;
}

function normaliseResource(resource: string): string {
  const value = resource.normalize('NFC');
  if (value.length === 0 || Buffer.byteLength(value) > 1023) throw new JidError('resource length');
  return value;
}
