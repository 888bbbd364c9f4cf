/**
 * PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`. Offered only on secure streams (or in
 * insecure test mode). The password is checked against the stored SCRAM credentials, so no
 * plaintext or password hash beyond RFC 5802's keys is ever stored. In insecure mode any
 * user signs in with any password.
 */
import { randomBytes } from 'node:crypto';
import { Jid } from '../jid/jid.js';
import type { ScramCredentials, ScramHash } from '../storage/types.js';
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from './mechanism.js';
import { verifyPassword } from './scram-credentials.js';
import { accountThrottled, authzidMatches, decodeUtf8, fail, SingleMessage } from './util.js';

export interface PlainOptions {
  /** Iterations of the dummy check run for unknown users (to match a real check's cost). */
  fakeIterations?: number;
}

/** Per-field limit in bytes (RFC 4616 requires at least 255). */
const PLAIN_MAX_FIELD = 1023;
/** Preferred first: the credential set used to check a PLAIN password. */
const HASH_PREFERENCE: readonly ScramHash[] = ['SHA-256', 'SHA-512', 'SHA-1'];

export function plainMechanism(options: PlainOptions = {}): SaslMechanism {
  return {
    name: 'PLAIN',
    offered: (ctx) => ctx.secure || ctx.insecure,
    start: (ctx) => new PlainExchange(ctx, options),
  };
}

class PlainExchange implements SaslExchange {
  private readonly turns = new SingleMessage('PLAIN');
  account?: string;

  constructor(
    private readonly ctx: SaslContext,
    private readonly options: PlainOptions,
  ) {}

  async step(data: Buffer): Promise<SaslStep> {
    const early = this.turns.early(data);
    if (early) return early;
    try {
      return await this.check(data);
    } catch {
      return fail('temporary-auth-failure');
    }
  }

  private async check(data: Buffer): Promise<SaslStep> {
    const fields = parsePlain(data);
    if (fields === null) return fail('malformed-request');
    const { authzid, authcid, password } = fields;

    let jid: Jid;
    try {
      jid = Jid.of(authcid, this.ctx.host);
    } catch {
      return fail('not-authorized');
    }
    const username = jid.local as string;
    this.account = username;
    if (this.ctx.accountBlocked(username)) return accountThrottled();

    if (authzid !== '' && !authzidMatches(authzid, jid)) return fail('invalid-authzid');

    if (this.ctx.insecure) return { kind: 'success', username };

    const credentials = this.storedCredentials(username);
    if (credentials === undefined) {
      // Same cost as a wrong password, so the answer's timing does not reveal unknown users.
      await verifyPassword(password, dummyCredentials(this.options.fakeIterations ?? 4096)).catch(() => false);
      return fail('not-authorized');
    }
    const ok = await verifyPassword(password, credentials);
    return ok ? { kind: 'success', username } : fail('not-authorized');
  }

  private storedCredentials(username: string): ScramCredentials | undefined {
    for (const hash of HASH_PREFERENCE) {
      const credentials = this.ctx.accounts.getCredentials(username, this.ctx.host, hash);
      if (credentials !== undefined) return credentials;
    }
    return undefined;
  }
}

export interface PlainFields {
  authzid: string;
  authcid: string;
  password: string;
}

/** Parses a PLAIN message; null when malformed (field count, empty fields, length, UTF-8). */
function parsePlain(data: Buffer): PlainFields | null {
  const first = data.indexOf(0);
  const second = first === -1 ? -1 : data.indexOf(0, first + 1);
  if (second === -1 || data.indexOf(0, second + 1) !== -1) return null;
  const parts = [data.subarray(0, first), data.subarray(first + 1, second), data.subarray(second + 1)];
  if (parts.some((part) => part.length > PLAIN_MAX_FIELD)) return null;
  const [authzid, authcid, password] = parts.map(decodeUtf8);
  if (authzid == null || authcid == null || password == null) return null;
  if (authcid === '' || password === '') return null;
  return { authzid, authcid, password };
}

let dummy: ScramCredentials | undefined;
function dummyCredentials(iterations: number): ScramCredentials {
  if (dummy === undefined || dummy.iterations !== iterations) {
    dummy = {
      hash: 'SHA-256',
      salt: randomBytes(16),
      iterations,
      storedKey: randomBytes(32),
      serverKey: randomBytes(32),
    };
  }
  return dummy;
}
