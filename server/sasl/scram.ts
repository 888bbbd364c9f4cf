/**
 * SCRAM-SHA-1 / SCRAM-SHA-256 / SCRAM-SHA-512 server (RFC 5802, RFC 7677), without channel
 * binding: we never advertise the -PLUS variants, so a client's gs2 header is `n,,` or `y,,`
 * (optionally with `a=` authzid); `p=` is refused.
 *
 * The exchange never throws: bad input resolves a failure step. An unknown user (or one
 * without credentials for this hash) gets a normal-looking challenge with a salt that is
 * stable per user for the life of the process, then `not-authorized`, so a client cannot
 * tell unknown users from wrong passwords.
 *
 * Insecure mode (`auth = "insecure"`, tests only): SCRAM cannot accept "any password",
 * because the server never learns the password. Any username is accepted; a user with stored
 * credentials signs in with their password, any other with the password "password" (what the
 * conformance suite uses), checked against credentials derived once per process and hash.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Jid } from '../jid/jid.js';
import type { ScramCredentials, ScramHash } from '../storage/types.js';
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from './mechanism.js';
import { deriveScramCredentials, digest, hashLength, hmac, SALT_LENGTH } from './scram-credentials.js';
import { accountThrottled, authzidMatches, decodeBase64Strict, decodeSaslname, decodeUtf8, fail } from './util.js';

export interface ScramOptions {
  /** Test hook: the server's part of the nonce (printable, no comma). Default: 24 random bytes, base64. */
  nonce?: () => string;
  /** Iteration count shown to unknown users; should match the configured `scram_iterations`. */
  fakeIterations?: number;
}

/** The password accepted in insecure mode for users without stored credentials. */
const INSECURE_PASSWORD = 'password';
const INSECURE_ITERATIONS = 4096;
const DEFAULT_FAKE_ITERATIONS = 4096;
const SERVER_NONCE_BYTES = 24;
/** Generous caps on each client message (decoded). Real ones are well under 1 KiB. */
const MAX_CLIENT_FIRST = 4096;
const MAX_CLIENT_FINAL = 8192;

/** Per-process secret for the fake salts of unknown users. */
const fakeSaltSecret = randomBytes(32);
const insecureCredentials = new Map<ScramHash, Promise<ScramCredentials>>();

export function scramMechanism(hash: ScramHash, options: ScramOptions = {}): SaslMechanism {
  const name = `SCRAM-${hash}`;
  return {
    name,
    offered: () => true,
    start: (ctx) => new ScramExchange(hash, ctx, options),
  };
}

type State =
  | { phase: 'initial'; askedForInitialResponse: boolean }
  | { phase: 'busy' }
  | {
      phase: 'challenged';
      username: string;
      gs2Header: string;
      clientFirstBare: string;
      serverFirst: string;
      nonce: string;
      credentials: ScramCredentials;
      known: boolean;
    }
  | { phase: 'done' };

class ScramExchange implements SaslExchange {
  private state: State = { phase: 'initial', askedForInitialResponse: false };
  account?: string;

  constructor(
    private readonly hash: ScramHash,
    private readonly ctx: SaslContext,
    private readonly options: ScramOptions,
  ) {}

  async step(data: Buffer): Promise<SaslStep> {
    const state = this.state;
    this.state = { phase: 'busy' };
    try {
      let result: { step: SaslStep; next: State };
      switch (state.phase) {
        case 'initial':
          result = await this.clientFirst(data, state.askedForInitialResponse);
          break;
        case 'challenged':
          result = { step: this.clientFinal(data, state), next: { phase: 'done' } };
          break;
        default:
          result = { step: fail('malformed-request', 'unexpected SCRAM message'), next: { phase: 'done' } };
      }
      this.state = result.step.kind === 'failure' ? { phase: 'done' } : result.next;
      return result.step;
    } catch {
      this.state = { phase: 'done' };
      return fail('temporary-auth-failure');
    }
  }

  private async clientFirst(data: Buffer, askedBefore: boolean): Promise<{ step: SaslStep; next: State }> {
    const done: State = { phase: 'done' };
    if (data.length === 0 && !askedBefore) {
      // No initial response: ask for the client-first message with an empty challenge.
      return { step: { kind: 'challenge', data: Buffer.alloc(0) }, next: { phase: 'initial', askedForInitialResponse: true } };
    }
    if (data.length > MAX_CLIENT_FIRST) return { step: fail('malformed-request', 'message too long'), next: done };
    const text = decodeUtf8(data);
    if (text === null) return { step: fail('malformed-request', 'invalid UTF-8'), next: done };

    const parsed = parseClientFirst(text);
    if ('failure' in parsed) return { step: parsed.failure, next: done };

    let jid: Jid;
    try {
      jid = Jid.of(parsed.username, this.ctx.host);
    } catch {
      return { step: fail('not-authorized'), next: done };
    }
    const username = jid.local as string;
    this.account = username;
    if (this.ctx.accountBlocked(username)) return { step: accountThrottled(), next: done };

    if (parsed.authzid !== null && !authzidMatches(parsed.authzid, jid)) {
      return { step: fail('invalid-authzid'), next: done };
    }

    let credentials = usable(this.ctx.accounts.getCredentials(username, this.ctx.host, this.hash), this.hash);
    if (credentials === undefined && this.ctx.insecure) credentials = await insecureCredentialsFor(this.hash);
    const known = credentials !== undefined;
    if (credentials === undefined) credentials = this.fakeCredentials(username);

    const serverNonce = this.options.nonce?.() ?? randomBytes(SERVER_NONCE_BYTES).toString('base64');
    const nonce = parsed.nonce + serverNonce;
    const serverFirst = `r=${nonce},s=${credentials.salt.toString('base64')},i=${credentials.iterations}`;
    return {
      step: { kind: 'challenge', data: Buffer.from(serverFirst, 'utf8') },
      next: {
        phase: 'challenged',
        username,
        gs2Header: parsed.gs2Header,
        clientFirstBare: parsed.clientFirstBare,
        serverFirst,
        nonce,
        credentials,
        known,
      },
    };
  }

  private clientFinal(data: Buffer, state: Extract<State, { phase: 'challenged' }>): SaslStep {
    if (data.length > MAX_CLIENT_FINAL) return fail('malformed-request', 'message too long');
    const text = decodeUtf8(data);
    if (text === null) return fail('malformed-request', 'invalid UTF-8');

    const proofAt = text.lastIndexOf(',p=');
    if (proofAt === -1) return fail('malformed-request', 'missing proof');
    const withoutProof = text.slice(0, proofAt);
    const proof = decodeBase64Strict(text.slice(proofAt + 3));
    if (proof === null || proof.length !== hashLength(this.hash)) return fail('malformed-request', 'bad proof');

    const attributes = withoutProof.split(',');
    const [channel, nonce, ...extensions] = attributes;
    if (channel === undefined || !channel.startsWith('c=')) return fail('malformed-request', 'missing channel binding');
    if (nonce === undefined || !nonce.startsWith('r=')) return fail('malformed-request', 'missing nonce');
    if (!extensions.every(isExtension)) return fail('malformed-request', 'bad attribute');

    const binding = decodeBase64Strict(channel.slice(2));
    if (binding === null) return fail('malformed-request', 'bad channel binding encoding');
    if (!binding.equals(Buffer.from(state.gs2Header, 'utf8'))) return fail('malformed-request', 'channel binding mismatch');
    if (nonce.slice(2) !== state.nonce) return fail('malformed-request', 'nonce mismatch');

    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const { storedKey, serverKey } = state.credentials;
    const clientSignature = hmac(this.hash, storedKey, authMessage);
    const clientKey = xor(proof, clientSignature);
    const computedStoredKey = digest(this.hash, clientKey);
    const match = computedStoredKey.length === storedKey.length && timingSafeEqual(computedStoredKey, storedKey);
    if (!match || !state.known) return fail('not-authorized');

    const serverSignature = hmac(this.hash, serverKey, authMessage);
    return {
      kind: 'success',
      username: state.username,
      data: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'),
    };
  }

  /** Credentials that no proof can satisfy, with a salt stable per user for this process. */
  private fakeCredentials(username: string): ScramCredentials {
    const salt = createHmac('sha256', fakeSaltSecret)
      .update(`${this.hash}\0${this.ctx.host}\0${username}`, 'utf8')
      .digest()
      .subarray(0, SALT_LENGTH);
    const length = hashLength(this.hash);
    return {
      hash: this.hash,
      salt,
      iterations: this.options.fakeIterations ?? DEFAULT_FAKE_ITERATIONS,
      storedKey: randomBytes(length),
      serverKey: randomBytes(length),
    };
  }
}

interface ClientFirst {
  gs2Header: string;
  authzid: string | null;
  username: string;
  nonce: string;
  clientFirstBare: string;
}

/** Parses `gs2-header client-first-message-bare` (RFC 5802 §7). */
function parseClientFirst(text: string): ClientFirst | { failure: SaslStep } {
  const firstComma = text.indexOf(',');
  const secondComma = firstComma === -1 ? -1 : text.indexOf(',', firstComma + 1);
  if (secondComma === -1) return { failure: fail('malformed-request', 'missing GS2 header') };
  const flag = text.slice(0, firstComma);
  const authzidField = text.slice(firstComma + 1, secondComma);
  const gs2Header = text.slice(0, secondComma + 1);
  const clientFirstBare = text.slice(secondComma + 1);

  if (flag.startsWith('p=')) return { failure: fail('malformed-request', 'channel binding is not supported') };
  if (flag !== 'n' && flag !== 'y') return { failure: fail('malformed-request', 'bad GS2 flag') };

  let authzid: string | null = null;
  if (authzidField !== '') {
    if (!authzidField.startsWith('a=')) return { failure: fail('malformed-request', 'bad authzid') };
    authzid = decodeSaslname(authzidField.slice(2));
    if (authzid === null) return { failure: fail('malformed-request', 'bad authzid') };
  }

  const [user, nonce, ...extensions] = clientFirstBare.split(',');
  if (user !== undefined && user.startsWith('m=')) {
    return { failure: fail('malformed-request', 'mandatory extension not supported') };
  }
  if (user === undefined || !user.startsWith('n=')) return { failure: fail('malformed-request', 'missing username') };
  const username = decodeSaslname(user.slice(2));
  if (username === null) return { failure: fail('malformed-request', 'bad username') };
  if (nonce === undefined || !nonce.startsWith('r=')) return { failure: fail('malformed-request', 'missing nonce') };
  const clientNonce = nonce.slice(2);
  if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(clientNonce)) return { failure: fail('malformed-request', 'bad nonce') };
  if (!extensions.every(isExtension)) return { failure: fail('malformed-request', 'bad attribute') };

  return { gs2Header, authzid, username, nonce: clientNonce, clientFirstBare };
}

function isExtension(attribute: string): boolean {
  return /^[A-Za-z]=[^\0]*$/.test(attribute) && !attribute.startsWith('m=');
}

function usable(credentials: ScramCredentials | undefined, hash: ScramHash): ScramCredentials | undefined {
  if (credentials === undefined) return undefined;
  const length = hashLength(hash);
  const ok =
    credentials.hash === hash &&
    credentials.storedKey.length === length &&
    credentials.serverKey.length === length &&
    credentials.salt.length > 0 &&
    Number.isInteger(credentials.iterations) &&
    credentials.iterations > 0;
  return ok ? credentials : undefined;
}

function insecureCredentialsFor(hash: ScramHash): Promise<ScramCredentials> {
  let pending = insecureCredentials.get(hash);
  if (pending === undefined) {
    pending = deriveScramCredentials(INSECURE_PASSWORD, hash, INSECURE_ITERATIONS);
    pending.catch(() => insecureCredentials.delete(hash));
    insecureCredentials.set(hash, pending);
  }
  return pending;
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}
