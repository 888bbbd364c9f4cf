import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { anonymousAttempt, failureCondition, NS_SASL, RawXmpp, scramAttempt, servedThroughout, signIn } from '../helpers/raw-xmpp.js';
import { RawBosh } from '../helpers/web.js';

/**
 * Attacks on sign-in limits, per-address limits and guest upload quotas. Each gets the
 * protocol's answer, and a guest connected from the start (servedThroughout) still works.
 */

const ALICE = { username: 'alice', password: 'alice pw' };
const UPLOAD = 'urn:xmpp:http:upload:0';

describe('hostile: sign-in and per-address limits', () => {
  let server: TestServer;
  const port = () => server.c2sPort;

  beforeAll(async () => {
    server = await startTestServer({
      access: { max_connections_per_address: 2, anonymous_logins_per_minute: 3 },
      limits: { sasl_failures_per_minute: 5, sasl_failures_per_account_per_minute: 6 },
      upload: { max_size: '1KiB', quota_per_guest: '1KiB' },
    });
    await addAccount(server, ALICE.username, ALICE.password);
  });
  afterAll(() => server?.stop());
  servedThroughout(port);

  const attempt = (localAddress: string, username: string, password: string) => scramAttempt({ port: port(), localAddress }, username, password);
  const guestSignIn = (localAddress: string) => anonymousAttempt({ port: port(), localAddress });

  /** A BOSH session as a trusted proxy (127.0.0.1) forwards it for `client`. */
  function proxied(client: string): RawBosh {
    return new RawBosh(`${server.httpUrl}/http-bind`, { 'x-forwarded-for': client });
  }

  it('guessing from one address, resetting with guest sign-ins in between: temporary-auth-failure after five', async () => {
    const answers: (string | undefined)[] = [];
    for (let round = 0; round < 2; round++) {
      for (let guess = 0; guess < 3; guess++) answers.push((await attempt('127.0.5.1', 'bob', `guess ${round} ${guess}`)).failure);
      answers.push(await guestSignIn('127.0.5.1'));
    }
    expect(answers).toEqual(['not-authorized', 'not-authorized', 'not-authorized', 'success',
      'not-authorized', 'not-authorized', 'temporary-auth-failure', 'temporary-auth-failure']);
  });

  it('guessing one account from many addresses: the account is refused everywhere, the right password included', async () => {
    for (let i = 1; i <= 6; i++) expect((await attempt(`127.0.6.${i}`, ALICE.username, 'nope')).failure).toBe('not-authorized');
    expect((await attempt('127.0.6.7', ALICE.username, 'nope')).failure).toBe('temporary-auth-failure');
    expect((await attempt('127.0.6.8', ALICE.username, ALICE.password)).failure).toBe('temporary-auth-failure');
  });

  it('account enumeration: an unknown account is refused with the same answer and text as a real one', async () => {
    for (let i = 1; i <= 6; i++) expect((await attempt(`127.0.7.${i}`, 'ghost', 'nope')).failure).toBe('not-authorized');
    const texts: string[] = [];
    for (const username of [ALICE.username, 'ghost']) {
      const raw = await RawXmpp.connect({ port: port(), localAddress: '127.0.7.9' });
      await raw.open();
      raw.write(`<auth xmlns='${NS_SASL}' mechanism='SCRAM-SHA-256'>${Buffer.from(`n,,n=${username},r=abcdef`).toString('base64')}</auth>`);
      const failure = await raw.next(['failure', 'challenge']);
      expect(failureCondition(failure)).toBe('temporary-auth-failure');
      texts.push(failure.getChildText('text') ?? '');
      raw.destroy();
    }
    expect(texts[0]).toBe(texts[1]);
  });

  it('hammering refusals on one stream: cut off with policy-violation after three', async () => {
    for (let i = 0; i < 5; i++) await attempt('127.0.8.1', 'carol', 'nope');
    const raw = await RawXmpp.connect({ port: port(), localAddress: '127.0.8.1' });
    await raw.open();
    for (let i = 0; i < 3; i++) {
      raw.write(`<auth xmlns='${NS_SASL}' mechanism='SCRAM-SHA-256'>${Buffer.from('n,,n=carol,r=abcdef').toString('base64')}</auth>`);
      expect(failureCondition(await raw.next('failure'))).toBe('temporary-auth-failure');
    }
    expect((await raw.expectStreamError()).condition).toBe('policy-violation');
  });

  it('hopping between addresses of one IPv6 /64 does not escape the connection limit; another /64 connects', async () => {
    const sessions = [proxied('2001:db8:1:2::1'), proxied('2001:db8:1:2::2')];
    for (const session of sessions) expect((await session.create()).attrs.type).not.toBe('terminate');
    const hopped = await proxied('2001:db8:1:2:ffff::3').create();
    expect(hopped.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    expect((await proxied('2001:db8:1:3::1').create()).attrs.type).not.toBe('terminate');
    for (const session of sessions) await session.send('', { type: 'terminate' });
  });

  it('an IPv4-mapped IPv6 address shares the connection limit of its IPv4 address', async () => {
    const sessions = [proxied('198.51.100.9'), proxied('::ffff:198.51.100.9')];
    for (const session of sessions) expect((await session.create()).attrs.type).not.toBe('terminate');
    expect((await proxied('::ffff:c633:6409').create()).attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    for (const session of sessions) await session.send('', { type: 'terminate' });
  });

  it('hopping across a /64 does not escape the guest sign-in limit', async () => {
    const outcomes: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const bosh = proxied(`2001:db8:9:9::${i}`);
      await bosh.create();
      let reply = await bosh.send(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'/>`);
      // The answer may come on the next request, as BOSH allows.
      if (!reply.getChild('success') && !reply.getChild('failure')) reply = await bosh.send();
      const failure = reply.getChild('failure');
      outcomes.push(reply.getChild('success') ? 'success' : failure ? failureCondition(failure) : reply.toString());
      await bosh.send('', { type: 'terminate' });
    }
    expect(outcomes).toEqual(['success', 'success', 'success', 'temporary-auth-failure']);
  });

  it('signing in again and again does not refill the guest upload quota', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { raw } = await signIn({ port: port(), localAddress: '127.0.9.1' });
      raw.write(`<iq type='get' id='s${i}' to='upload.localhost'><request xmlns='${UPLOAD}' filename='f.bin' size='600' content-type='application/octet-stream'/></iq>`);
      const reply = await raw.next('iq');
      answers.push(reply.attrs.type === 'result' ? 'slot' : reply.getChild('error')?.getChildElements().find((child) => child.name !== 'text')?.name ?? '');
      raw.destroy();
    }
    expect(answers).toEqual(['slot', 'resource-constraint', 'resource-constraint']);
  });
});
