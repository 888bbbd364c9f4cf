import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { anonymousAttempt, scramAttempt, servedThroughout, signIn } from '../helpers/raw-xmpp.js';

/**
 * Password guessing over TCP c2s: failures count per address and per account, and a
 * sign-in (a guest's, or another account's) clears neither for the guesser.
 */

const ALICE = { username: 'alice', password: 'alice pw' };
const BOB = { username: 'bob', password: 'bob pw' };

describe('password guessing is throttled per address and per account', () => {
  let server: TestServer;
  let clock = Date.now();
  const port = () => server.c2sPort;

  beforeAll(async () => {
    server = await startTestServer({ limits: { sasl_failures_per_minute: 5, sasl_failures_per_account_per_minute: 8 } },
      { now: () => clock });
    await addAccount(server, ALICE.username, ALICE.password);
    await addAccount(server, BOB.username, BOB.password);
  });
  afterAll(() => server?.stop());
  servedThroughout(port);

  const attempt = (localAddress: string, username: string, password: string) => scramAttempt({ port: port(), localAddress }, username, password);
  const guestSignIn = async (localAddress: string) => (await anonymousAttempt({ port: port(), localAddress })) === 'success';

  it('wrong passwords interleaved with guest sign-ins: only five are ever checked from one address', async () => {
    const attacker = '127.0.0.21';
    const answers: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let guess = 0; guess < 4; guess++) answers.push((await attempt(attacker, ALICE.username, `guess ${round}-${guess}`)).failure ?? 'success');
      answers.push((await guestSignIn(attacker)) ? 'guest signed in' : 'guest refused');
    }
    expect(answers).toEqual([
      'not-authorized', 'not-authorized', 'not-authorized', 'not-authorized', 'guest signed in',
      'not-authorized', 'temporary-auth-failure', 'temporary-auth-failure', 'temporary-auth-failure', 'guest refused',
      'temporary-auth-failure', 'temporary-auth-failure', 'temporary-auth-failure', 'temporary-auth-failure', 'guest refused',
    ]);
    // The right password is not even checked from there; the account's owner elsewhere signs in.
    expect(await attempt(attacker, ALICE.username, ALICE.password)).toMatchObject({ success: false, failure: 'temporary-auth-failure' });
    const owner = await signIn({ port: port(), ...ALICE, localAddress: '127.0.0.22' });
    owner.raw.destroy();
  });

  it("another account's sign-in from the guessing address does not reset its count", async () => {
    const attacker = '127.0.0.23';
    for (let guess = 0; guess < 4; guess++) expect((await attempt(attacker, ALICE.username, `wrong ${guess}`)).failure).toBe('not-authorized');
    const own = await signIn({ port: port(), ...BOB, localAddress: attacker });
    own.raw.destroy();
    expect((await attempt(attacker, ALICE.username, 'wrong 4')).failure).toBe('not-authorized');
    expect((await attempt(attacker, ALICE.username, 'wrong 5')).failure).toBe('temporary-auth-failure');
    // Alice's count was cleared by her own sign-in in the previous test and again below.
    const owner = await signIn({ port: port(), ...ALICE, localAddress: '127.0.0.24' });
    owner.raw.destroy();
  });

  it('guessing one account from many addresses is limited per account, for a minute, and not for other accounts', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push((await attempt(`127.0.1.${i + 1}`, ALICE.username, `spread ${i}`)).failure ?? 'success');
    expect(answers).toEqual([...Array(8).fill('not-authorized'), 'temporary-auth-failure', 'temporary-auth-failure']);
    // Refused alike with the right password, so a guess cannot be confirmed while throttled.
    expect(await attempt('127.0.1.20', ALICE.username, ALICE.password)).toMatchObject({ success: false, failure: 'temporary-auth-failure' });
    const bob = await signIn({ port: port(), ...BOB, localAddress: '127.0.1.21' });
    bob.raw.destroy();

    clock += 60_000;
    const owner = await signIn({ port: port(), ...ALICE, localAddress: '127.0.1.22' });
    owner.raw.destroy();
    // The owner's success cleared the count: one more wrong password is checked, not refused.
    expect((await attempt('127.0.1.23', ALICE.username, 'typo')).failure).toBe('not-authorized');
  });

  it('an account that does not exist is throttled exactly like one that does', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 9; i++) answers.push((await attempt(`127.0.2.${i + 1}`, 'nobody', `x ${i}`)).failure ?? 'success');
    expect(answers).toEqual([...Array(8).fill('not-authorized'), 'temporary-auth-failure']);
  });
});
