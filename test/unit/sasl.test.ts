import { describe, expect, it } from 'vitest';
import { Jid } from '../../server/jid/jid.js';
import { anonymousMechanism, randomLocalpart } from '../../server/sasl/anonymous.js';
import { plainMechanism } from '../../server/sasl/plain.js';
import { mechanismsFor, offeredMechanisms } from '../../server/sasl/registry.js';
import { scramMechanism } from '../../server/sasl/scram.js';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { SaslContext, SaslExchange, SaslStep } from '../../server/sasl/mechanism.js';
import type { AccountStore, ScramCredentials, ScramHash } from '../../server/storage/types.js';

const NODE: Record<ScramHash, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' };
const LENGTH: Record<ScramHash, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-512': 64 };

function hmac(hash: ScramHash, key: Buffer, message: string | Buffer): Buffer {
  return createHmac(NODE[hash], key).update(message).digest();
}

function saltedPassword(password: string, hash: ScramHash, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password, salt, iterations, LENGTH[hash], NODE[hash]);
}

/** RFC 5802 §3 credential derivation (local, independent of scram-credentials.ts). */
function derive(password: string, hash: ScramHash, iterations = 4096, salt = randomBytes(16)): ScramCredentials {
  const salted = saltedPassword(password, hash, salt, iterations);
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    hash,
    salt,
    iterations,
    storedKey: createHash(NODE[hash]).update(clientKey).digest(),
    serverKey: hmac(hash, salted, 'Server Key'),
  };
}

class MapAccountStore implements AccountStore {
  readonly accounts = new Map<string, ScramCredentials[]>();
  lookups = 0;

  private key(username: string, host: string): string {
    return `${username}@${host}`;
  }
  exists(username: string, host: string): boolean {
    return this.accounts.has(this.key(username, host));
  }
  create(username: string, host: string, credentials: ScramCredentials[]): void {
    this.accounts.set(this.key(username, host), credentials);
  }
  setCredentials(username: string, host: string, credentials: ScramCredentials[]): boolean {
    if (!this.exists(username, host)) return false;
    this.accounts.set(this.key(username, host), credentials);
    return true;
  }
  getCredentials(username: string, host: string, hash: ScramHash): ScramCredentials | undefined {
    this.lookups++;
    return this.accounts.get(this.key(username, host))?.find((c) => c.hash === hash);
  }
  delete(username: string, host: string): boolean {
    return this.accounts.delete(this.key(username, host));
  }
  list(host: string): string[] {
    return [...this.accounts.keys()].filter((k) => k.endsWith(`@${host}`)).map((k) => k.slice(0, k.lastIndexOf('@')));
  }
}

function context(accounts: AccountStore, overrides: Partial<SaslContext> = {}): SaslContext {
  return { host: 'example.com', secure: true, accounts, insecure: false, accountBlocked: () => false, ...overrides };
}

function challengeText(step: SaslStep): string {
  if (step.kind !== 'challenge') throw new Error(`expected a challenge, got ${JSON.stringify(step)}`);
  return step.data.toString('utf8');
}

function parseAttributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(',')) map.set(part.slice(0, 1), part.slice(2));
  return map;
}

/** A minimal RFC 5802 client computing the client-final message from the server-first. */
function clientFinal(
  hash: ScramHash,
  password: string,
  gs2Header: string,
  clientFirstBare: string,
  serverFirst: string,
): { message: string; expectedServerSignature: string } {
  const attrs = parseAttributes(serverFirst);
  const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
  const iterations = Number(attrs.get('i'));
  const salted = saltedPassword(password, hash, salt, iterations);
  const clientKey = hmac(hash, salted, 'Client Key');
  const storedKey = createHash(NODE[hash]).update(clientKey).digest();
  const withoutProof = `c=${Buffer.from(gs2Header).toString('base64')},r=${attrs.get('r')}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(hash, storedKey, authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] as number)));
  const serverSignature = hmac(hash, hmac(hash, salted, 'Server Key'), authMessage);
  return {
    message: `${withoutProof},p=${proof.toString('base64')}`,
    expectedServerSignature: `v=${serverSignature.toString('base64')}`,
  };
}

/** Runs a complete exchange with the test client; returns the final step. */
async function runScram(
  exchange: SaslExchange,
  hash: ScramHash,
  user: string,
  password: string,
  options: { gs2Header?: string; clientNonce?: string } = {},
): Promise<{ final: SaslStep; serverFirst: string; expectedServerSignature: string }> {
  const gs2Header = options.gs2Header ?? 'n,,';
  const clientFirstBare = `n=${user},r=${options.clientNonce ?? randomBytes(12).toString('base64')}`;
  const first = await exchange.step(Buffer.from(gs2Header + clientFirstBare));
  const serverFirst = challengeText(first);
  const { message, expectedServerSignature } = clientFinal(hash, password, gs2Header, clientFirstBare, serverFirst);
  const final = await exchange.step(Buffer.from(message));
  return { final, serverFirst, expectedServerSignature };
}

// ---------------------------------------------------------------------------------------------

const HOST = 'example.com';

function makeStore(): MapAccountStore {
  const store = new MapAccountStore();
  return store;
}

function failureOf(step: SaslStep): string {
  return step.kind === 'failure' ? step.condition : `not a failure: ${step.kind}`;
}

describe('SCRAM-SHA-1 (RFC 5802 §5 example)', () => {
  it('a client signs in with the RFC example and gets the expected server signature', async () => {
    const store = makeStore();
    store.create('user', HOST, [derive('pencil', 'SHA-1', 4096, Buffer.from('QSXCR+Q6sek8bf92', 'base64'))]);
    const mechanism = scramMechanism('SHA-1', { nonce: () => '3rfcNHYJY1ZVvWVs7j' });
    expect(mechanism.name).toBe('SCRAM-SHA-1');
    const exchange = mechanism.start(context(store));

    const first = await exchange.step(Buffer.from('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
    expect(challengeText(first)).toBe('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');

    const final = await exchange.step(
      Buffer.from('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='),
    );
    expect(final.kind).toBe('success');
    if (final.kind !== 'success') return;
    expect(final.username).toBe('user');
    expect(final.data?.toString()).toBe('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  });

  it('any step after success is a malformed request', async () => {
    const store = makeStore();
    store.create('user', HOST, [derive('pencil', 'SHA-1')]);
    const exchange = scramMechanism('SHA-1').start(context(store));
    const { final } = await runScram(exchange, 'SHA-1', 'user', 'pencil');
    expect(final.kind).toBe('success');
    expect(failureOf(await exchange.step(Buffer.from('n,,n=user,r=abc')))).toBe('malformed-request');
  });
});

describe('SCRAM-SHA-256 (RFC 7677 §3 example)', () => {
  it('a client signs in with the RFC example and gets the expected server signature', async () => {
    const store = makeStore();
    store.create('user', HOST, [derive('pencil', 'SHA-256', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'))]);
    const exchange = scramMechanism('SHA-256', { nonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' }).start(context(store));

    const first = await exchange.step(Buffer.from('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(challengeText(first)).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const final = await exchange.step(
      Buffer.from(
        'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      ),
    );
    expect(final).toMatchObject({ kind: 'success', username: 'user' });
    if (final.kind === 'success') expect(final.data?.toString()).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });
});

describe('SCRAM-SHA-512', () => {
  it('a client signs in and verifies the server signature', async () => {
    const store = makeStore();
    store.create('alice', HOST, [derive('correct horse', 'SHA-512', 4096)]);
    const mechanism = scramMechanism('SHA-512');
    expect(mechanism.name).toBe('SCRAM-SHA-512');
    const { final, serverFirst, expectedServerSignature } = await runScram(
      mechanism.start(context(store)), 'SHA-512', 'alice', 'correct horse',
    );
    const attrs = parseAttributes(serverFirst);
    // Server nonce: at least 18 random bytes in base64 (24 characters) after the client's.
    expect((attrs.get('r') ?? '').length).toBeGreaterThanOrEqual(16 + 24);
    expect(final).toMatchObject({ kind: 'success', username: 'alice' });
    if (final.kind === 'success') expect(final.data?.toString()).toBe(expectedServerSignature);
  });

  it('the username is normalised as a localpart and escapes are decoded', async () => {
    const store = makeStore();
    store.create('alice', HOST, [derive('pw', 'SHA-512')]);
    const { final } = await runScram(scramMechanism('SHA-512').start(context(store)), 'SHA-512', 'ALICE', 'pw');
    expect(final).toMatchObject({ kind: 'success', username: 'alice' });
  });

  it('the y,, flag and an authzid equal to the user JID are accepted', async () => {
    const store = makeStore();
    store.create('alice', HOST, [derive('pw', 'SHA-256')]);
    for (const gs2Header of ['y,,', 'n,a=alice@example.com,', 'n,a=Alice@Example.com,']) {
      const { final } = await runScram(scramMechanism('SHA-256').start(context(store)), 'SHA-256', 'alice', 'pw', { gs2Header });
      expect(final, gs2Header).toMatchObject({ kind: 'success', username: 'alice' });
    }
  });

  it('a client that sent no initial response gets an empty challenge first', async () => {
    const store = makeStore();
    store.create('alice', HOST, [derive('pw', 'SHA-256')]);
    const exchange = scramMechanism('SHA-256').start(context(store));
    const empty = await exchange.step(Buffer.alloc(0));
    expect(empty.kind === 'challenge' && empty.data.length === 0).toBe(true);
    const { final } = await runScram(exchange, 'SHA-256', 'alice', 'pw');
    expect(final.kind).toBe('success');
  });
});

describe('SCRAM failures', () => {
  function storeWithAlice(): MapAccountStore {
    const store = makeStore();
    store.create('alice', HOST, [derive('secret', 'SHA-256'), derive('secret', 'SHA-1')]);
    return store;
  }

  it('a wrong password is not-authorized', async () => {
    const { final } = await runScram(scramMechanism('SHA-256').start(context(storeWithAlice())), 'SHA-256', 'alice', 'wrong');
    expect(failureOf(final)).toBe('not-authorized');
  });

  it('an unknown user gets a normal challenge with a stable salt, then not-authorized', async () => {
    const store = storeWithAlice();
    const run = () => runScram(scramMechanism('SHA-256').start(context(store)), 'SHA-256', 'nobody', 'secret');
    const a = await run();
    const b = await run();
    const real = await runScram(scramMechanism('SHA-256').start(context(store)), 'SHA-256', 'alice', 'secret');
    expect(failureOf(a.final)).toBe('not-authorized');
    expect(failureOf(b.final)).toBe('not-authorized');
    const [sa, sb, sr] = [a, b, real].map((r) => parseAttributes(r.serverFirst));
    expect(sa?.get('s')).toBe(sb?.get('s'));
    expect(Buffer.from(sa?.get('s') ?? '', 'base64').length).toBe(Buffer.from(sr?.get('s') ?? '', 'base64').length);
    expect(sa?.get('i')).toBe('4096');
    // Different users get different fake salts.
    const other = await runScram(scramMechanism('SHA-256').start(context(store)), 'SHA-256', 'someone', 'x');
    expect(parseAttributes(other.serverFirst).get('s')).not.toBe(sa?.get('s'));
  });

  it('a user without credentials for this hash looks like an unknown user', async () => {
    const { serverFirst, final } = await runScram(
      scramMechanism('SHA-512', { fakeIterations: 10000 }).start(context(storeWithAlice())), 'SHA-512', 'alice', 'secret',
    );
    expect(parseAttributes(serverFirst).get('i')).toBe('10000');
    expect(failureOf(final)).toBe('not-authorized');
  });

  it('an invalid username is not-authorized', async () => {
    const exchange = scramMechanism('SHA-256').start(context(storeWithAlice()));
    expect(failureOf(await exchange.step(Buffer.from('n,,n=a b,r=abcdef')))).toBe('not-authorized');
  });

  it('an authzid for another user is invalid-authzid', async () => {
    for (const authzid of ['bob@example.com', 'alice@other.example', 'alice@example.com/res', '@@']) {
      const exchange = scramMechanism('SHA-256').start(context(storeWithAlice()));
      const step = await exchange.step(Buffer.from(`n,a=${authzid},n=alice,r=abcdef`));
      expect(failureOf(step), authzid).toBe('invalid-authzid');
    }
  });

  it.each([
    ['empty-ish', ','],
    ['no GS2 header', 'n=alice,r=abc'],
    ['unknown GS2 flag', 'x,,n=alice,r=abc'],
    ['channel binding requested', 'p=tls-unique,,n=alice,r=abc'],
    ['missing r=', 'n,,n=alice'],
    ['missing n=', 'n,,r=abc'],
    ['empty username', 'n,,n=,r=abc'],
    ['bad escape', 'n,,n=al=2Dice,r=abc'],
    ['lowercase escape', 'n,,n=al=2cice,r=abc'],
    ['bare =', 'n,,n=al=ice,r=abc'],
    ['bad authzid escape', 'n,a=al=ice,n=alice,r=abc'],
    ['authzid without a=', 'n,alice,n=alice,r=abc'],
    ['mandatory extension', 'n,,m=ext,n=alice,r=abc'],
    ['empty nonce', 'n,,n=alice,r='],
    ['nonce with a control character', 'n,,n=alice,r=ab\x01c'],
    ['bad attribute after nonce', 'n,,n=alice,r=abc,garbage'],
  ])('client-first with %s is a failure, not an exception', async (_label, message) => {
    const exchange = scramMechanism('SHA-256').start(context(storeWithAlice()));
    const step = await exchange.step(Buffer.from(message));
    expect(failureOf(step)).toBe('malformed-request');
    // The exchange is over afterwards.
    expect(failureOf(await exchange.step(Buffer.from('n,,n=alice,r=abc')))).toBe('malformed-request');
  });

  it('invalid UTF-8 and oversize client-first messages are malformed', async () => {
    for (const data of [Buffer.from([0x6e, 0x2c, 0x2c, 0x6e, 0x3d, 0xff, 0x2c, 0x72, 0x3d, 0x61]), Buffer.alloc(10_000, 0x61)]) {
      const exchange = scramMechanism('SHA-256').start(context(storeWithAlice()));
      expect(failureOf(await exchange.step(data))).toBe('malformed-request');
    }
  });

  it('escaped usernames are decoded before lookup', async () => {
    const store = makeStore();
    store.create('a=b', HOST, [derive('pw', 'SHA-256')]);
    const exchange = scramMechanism('SHA-256').start(context(store));
    const { final } = await runScram(exchange, 'SHA-256', 'a=3Db', 'pw');
    expect(final).toMatchObject({ kind: 'success', username: 'a=b' });
  });

  async function afterChallenge(): Promise<{ exchange: SaslExchange; nonce: string; good: string }> {
    const exchange = scramMechanism('SHA-256').start(context(storeWithAlice()));
    const clientFirstBare = 'n=alice,r=clientnonce';
    const serverFirst = challengeText(await exchange.step(Buffer.from(`n,,${clientFirstBare}`)));
    const nonce = parseAttributes(serverFirst).get('r') ?? '';
    const good = clientFinal('SHA-256', 'secret', 'n,,', clientFirstBare, serverFirst).message;
    return { exchange, nonce, good };
  }

  it('a well-formed client-final built by the test client succeeds (control)', async () => {
    const { exchange, good } = await afterChallenge();
    expect((await exchange.step(Buffer.from(good))).kind).toBe('success');
  });

  it.each<[string, (nonce: string, good: string) => string]>([
    ['missing proof', (nonce) => `c=biws,r=${nonce}`],
    ['bad proof base64', (nonce) => `c=biws,r=${nonce},p=not*base64`],
    ['proof of the wrong length', (nonce) => `c=biws,r=${nonce},p=${Buffer.alloc(20).toString('base64')}`],
    ['non-canonical base64 proof', (_nonce, good) => good.replace(/=$/, '')],
    ['missing channel binding', (nonce, good) => good.replace(/^c=biws,/, '').replace(`r=${nonce}`, `r=${nonce}`)],
    ['bad channel binding base64', (_nonce, good) => good.replace('c=biws', 'c=bi!s')],
    ['wrong channel binding', (_nonce, good) => good.replace('c=biws', `c=${Buffer.from('y,,').toString('base64')}`)],
    ['channel binding data appended', (_nonce, good) => good.replace('c=biws', `c=${Buffer.from('n,,xyz').toString('base64')}`)],
    ['nonce mismatch', (nonce, good) => good.replace(`r=${nonce}`, `r=${nonce}x`)],
    ['client nonce only', (nonce, good) => good.replace(`r=${nonce}`, 'r=clientnonce')],
    ['missing r=', (nonce, good) => good.replace(`r=${nonce},`, '')],
    ['attributes in the wrong order', (nonce, good) => good.replace(`c=biws,r=${nonce}`, `r=${nonce},c=biws`)],
    ['garbage', () => '\u0000\u0001'],
    ['empty', () => ''],
  ])('client-final with %s is malformed-request', async (_label, build) => {
    const { exchange, nonce, good } = await afterChallenge();
    const step = await exchange.step(Buffer.from(build(nonce, good)));
    expect(failureOf(step)).toBe('malformed-request');
    // No retry on the same exchange, even with the right message.
    expect(failureOf(await exchange.step(Buffer.from(good)))).toBe('malformed-request');
  });

  it('a tampered proof is not-authorized', async () => {
    const { exchange, good } = await afterChallenge();
    const proof = Buffer.from(good.slice(good.lastIndexOf('p=') + 2), 'base64');
    proof[0] = (proof[0] as number) ^ 1;
    const tampered = `${good.slice(0, good.lastIndexOf('p=') + 2)}${proof.toString('base64')}`;
    expect(failureOf(await exchange.step(Buffer.from(tampered)))).toBe('not-authorized');
  });

  it('a throttled account (known or not) gets temporary-auth-failure before any credential is looked up', async () => {
    const store = storeWithAlice();
    const asked: string[] = [];
    const ctx = context(store, { accountBlocked: (username) => { asked.push(username); return true; } });
    for (const user of ['Alice', 'nobody']) {
      const exchange = scramMechanism('SHA-256').start(ctx);
      expect(failureOf(await exchange.step(Buffer.from(`n,,n=${user},r=abc`)))).toBe('temporary-auth-failure');
      expect(exchange.account).toBe(user.toLowerCase());
    }
    expect(asked).toEqual(['alice', 'nobody']);
    expect(store.lookups).toBe(0);
  });

  it('the exchange names the account it was about once the client said it', async () => {
    const exchange = scramMechanism('SHA-256').start(context(storeWithAlice()));
    expect(exchange.account).toBeUndefined();
    challengeText(await exchange.step(Buffer.from('n,,n=ALICE,r=abc')));
    expect(exchange.account).toBe('alice');
  });

  it('a store that throws gives temporary-auth-failure, not an exception', async () => {
    const store = makeStore();
    store.getCredentials = () => {
      throw new Error('disk on fire');
    };
    const exchange = scramMechanism('SHA-256').start(context(store));
    expect(failureOf(await exchange.step(Buffer.from('n,,n=alice,r=abc')))).toBe('temporary-auth-failure');
  });
});

describe('SCRAM in insecure mode', () => {
  it('any username signs in with the password "password"', async () => {
    const store = makeStore();
    const ctx = context(store, { insecure: true, secure: false });
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
      const { final } = await runScram(scramMechanism(hash).start(ctx), hash, 'whoever', 'password');
      expect(final, hash).toMatchObject({ kind: 'success', username: 'whoever' });
    }
    const { final } = await runScram(scramMechanism('SHA-256').start(ctx), 'SHA-256', 'whoever', 'other');
    expect(failureOf(final)).toBe('not-authorized');
  });

  it('a user with stored credentials uses their own password', async () => {
    const store = makeStore();
    store.create('alice', HOST, [derive('secret', 'SHA-256')]);
    const ctx = context(store, { insecure: true });
    expect((await runScram(scramMechanism('SHA-256').start(ctx), 'SHA-256', 'alice', 'secret')).final.kind).toBe('success');
    expect((await runScram(scramMechanism('SHA-256').start(ctx), 'SHA-256', 'alice', 'password')).final.kind).toBe('failure');
  });
});

describe('PLAIN', () => {
  function plain(authzid: string, authcid: string, password: string): Buffer {
    return Buffer.from(`${authzid}\0${authcid}\0${password}`);
  }
  function storeWithAlice(): MapAccountStore {
    const store = makeStore();
    store.create('alice', HOST, [derive('secret', 'SHA-256', 4096)]);
    return store;
  }

  it('is offered on secure streams and in insecure mode only', () => {
    const store = makeStore();
    const mechanism = plainMechanism();
    expect(mechanism.name).toBe('PLAIN');
    expect(mechanism.offered(context(store, { secure: true }))).toBe(true);
    expect(mechanism.offered(context(store, { secure: false }))).toBe(false);
    expect(mechanism.offered(context(store, { secure: false, insecure: true }))).toBe(true);
  });

  it('the right password signs in', async () => {
    const exchange = plainMechanism().start(context(storeWithAlice()));
    expect(await exchange.step(plain('', 'alice', 'secret'))).toEqual({ kind: 'success', username: 'alice' });
  });

  it('an authzid equal to the bare JID is accepted; another is invalid-authzid', async () => {
    const ok = await plainMechanism().start(context(storeWithAlice())).step(plain('alice@example.com', 'Alice', 'secret'));
    expect(ok).toEqual({ kind: 'success', username: 'alice' });
    const bad = await plainMechanism().start(context(storeWithAlice())).step(plain('bob@example.com', 'alice', 'secret'));
    expect(failureOf(bad)).toBe('invalid-authzid');
  });

  it('a wrong password or unknown user is not-authorized', async () => {
    expect(failureOf(await plainMechanism().start(context(storeWithAlice())).step(plain('', 'alice', 'wrong')))).toBe('not-authorized');
    expect(failureOf(await plainMechanism().start(context(storeWithAlice())).step(plain('', 'nobody', 'secret')))).toBe('not-authorized');
    expect(failureOf(await plainMechanism().start(context(storeWithAlice())).step(plain('', 'a b', 'secret')))).toBe('not-authorized');
  });

  it('a throttled account gets temporary-auth-failure, even with the right password, without a check', async () => {
    const store = storeWithAlice();
    const exchange = plainMechanism().start(context(store, { accountBlocked: (username) => username === 'alice' }));
    expect(failureOf(await exchange.step(plain('', 'Alice', 'secret')))).toBe('temporary-auth-failure');
    expect(exchange.account).toBe('alice');
    expect(store.lookups).toBe(0);
    const other = await plainMechanism().start(context(store, { accountBlocked: (username) => username === 'bob' })).step(plain('', 'alice', 'secret'));
    expect(other).toEqual({ kind: 'success', username: 'alice' });
  });

  it('uses SHA-1 or SHA-512 credentials when those are all the account has', async () => {
    const store = makeStore();
    store.create('old', HOST, [derive('pw', 'SHA-1')]);
    store.create('new', HOST, [derive('pw', 'SHA-512')]);
    expect((await plainMechanism().start(context(store)).step(plain('', 'old', 'pw'))).kind).toBe('success');
    expect((await plainMechanism().start(context(store)).step(plain('', 'new', 'pw'))).kind).toBe('success');
  });

  it.each([
    ['no NUL', Buffer.from('alicesecret')],
    ['one NUL', Buffer.from('alice\0secret')],
    ['three NULs', Buffer.from('\0alice\0secret\0')],
    ['empty authcid', Buffer.from('\0\0secret')],
    ['empty password', Buffer.from('\0alice\0')],
    ['invalid UTF-8', Buffer.from([0, 0x61, 0, 0xff])],
    ['oversize field', Buffer.concat([Buffer.from('\0alice\0'), Buffer.alloc(1024, 0x61)])],
  ])('%s is malformed-request', async (_label, data) => {
    expect(failureOf(await plainMechanism().start(context(storeWithAlice())).step(data))).toBe('malformed-request');
  });

  it('a 1023-byte password is within limits', async () => {
    const step = await plainMechanism().start(context(storeWithAlice())).step(plain('', 'alice', 'a'.repeat(1023)));
    expect(failureOf(step)).toBe('not-authorized');
  });

  it('insecure mode accepts any user with any password', async () => {
    const ctx = context(storeWithAlice(), { insecure: true, secure: false });
    expect(await plainMechanism().start(ctx).step(plain('', 'Someone', 'x'))).toEqual({ kind: 'success', username: 'someone' });
    expect((await plainMechanism().start(ctx).step(plain('', 'alice', 'wrong'))).kind).toBe('success');
  });

  it('no initial response gets an empty challenge; a second message is refused', async () => {
    const exchange = plainMechanism().start(context(storeWithAlice()));
    const first = await exchange.step(Buffer.alloc(0));
    expect(first.kind === 'challenge' && first.data.length === 0).toBe(true);
    expect((await exchange.step(plain('', 'alice', 'secret'))).kind).toBe('success');
    expect(failureOf(await exchange.step(plain('', 'alice', 'secret')))).toBe('malformed-request');
  });
});

describe('ANONYMOUS', () => {
  it('gives each guest a distinct random localpart and ignores the trace', async () => {
    const mechanism = anonymousMechanism();
    const ctx = context(makeStore(), { secure: false, host: 'anon.example.com' });
    expect(mechanism.name).toBe('ANONYMOUS');
    expect(mechanism.offered(ctx)).toBe(true);
    const names = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const step = await mechanism.start(ctx).step(i % 2 ? Buffer.from('trace@example.com') : Buffer.alloc(0));
      if (step.kind !== 'success') throw new Error('expected success');
      expect(step.username).toMatch(/^[a-z2-7]{26}$/);
      expect(step.data).toBeUndefined();
      names.add(step.username);
    }
    expect(names.size).toBe(200);
  });

  it('randomLocalpart is a valid localpart', () => {
    const local = randomLocalpart();
    expect(Jid.of(local, 'anon.example.com').local).toBe(local);
  });

  it('a second message on the same exchange is refused', async () => {
    const exchange = anonymousMechanism().start(context(makeStore()));
    expect((await exchange.step(Buffer.alloc(0))).kind).toBe('success');
    expect(failureOf(await exchange.step(Buffer.alloc(0)))).toBe('malformed-request');
  });
});

describe('mechanism registry', () => {
  it('account hosts offer SCRAM strongest first, then PLAIN', () => {
    expect(mechanismsFor('account').map((m) => m.name)).toEqual(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  });

  it('PLAIN is left out on an insecure channel', () => {
    const ctx = context(makeStore(), { secure: false });
    expect(offeredMechanisms(mechanismsFor('account'), ctx).map((m) => m.name)).toEqual([
      'SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1',
    ]);
  });

  it('anonymous hosts offer ANONYMOUS only', () => {
    expect(mechanismsFor('anonymous').map((m) => m.name)).toEqual(['ANONYMOUS']);
  });

  it('the configured iteration count reaches unknown users\' challenges', async () => {
    const scram = mechanismsFor('account', { scramIterations: 12345 })[1];
    if (scram === undefined) throw new Error('missing');
    const step = await scram.start(context(makeStore())).step(Buffer.from('n,,n=ghost,r=abc'));
    expect(parseAttributes(challengeText(step)).get('i')).toBe('12345');
  });
});
