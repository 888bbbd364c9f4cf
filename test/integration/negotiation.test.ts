import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from 'ltx';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, xml } from '../helpers/clients.js';
import {
  failureCondition, NS_BIND, NS_SASL, NS_STANZAS, NS_TLS, RawXmpp, scramAuth, servedThroughout, signIn, streamHeader,
} from '../helpers/raw-xmpp.js';

/**
 * Stream negotiation over raw sockets (RFC 6120 §5–§7): features, STARTTLS, SASL and its
 * failures, resource binding, direct TLS (XEP-0368), the first routing answers, shutdown.
 */

const ALICE = { username: 'alice', password: 'alice pw' };

/** The mechanism names a features element offers, in order. */
function mechanisms(features: Element): string[] {
  return features.getChild('mechanisms', NS_SASL)?.getChildren('mechanism').map((mechanism) => mechanism.getText()) ?? [];
}

function plainAuth(username: string, password: string): string {
  return `<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${Buffer.from(`\0${username}\0${password}`).toString('base64')}</auth>`;
}

/** The stanza error condition of an error reply. */
function stanzaErrorCondition(stanza: Element): string {
  return stanza.getChild('error')?.getChildElements().find((child) => child.attrs.xmlns === NS_STANZAS && child.name !== 'text')?.name ?? '';
}

describe('a server that requires encryption (the default)', () => {
  let server: TestServer;
  const port = () => server.c2sPort;

  beforeAll(async () => {
    server = await startTestServer({ tls: { require_encryption: true }, listen: { c2s_direct_tls: '127.0.0.1:0' } });
    await addAccount(server, 'alice', ALICE.password);
  });
  afterAll(() => server?.stop());

  const bystander = servedThroughout(port);

  /** A raw client that opened a stream to `to` and completed STARTTLS; returns the new features. */
  async function overTls(to: string, localAddress?: string): Promise<{ raw: RawXmpp; features: Element }> {
    const raw = await RawXmpp.connect({ port: port(), localAddress });
    await raw.open({ to });
    await raw.startTls();
    return { raw, features: await raw.open({ to }) };
  }

  describe('features', () => {
    it.each(['localhost', 'anon.localhost'])('before TLS, %s offers only STARTTLS, marked required', async (to) => {
      const raw = await RawXmpp.connect({ port: port() });
      const features = await raw.open({ to });
      expect(features.getChildElements().map((child) => child.name)).toEqual(['starttls']);
      expect(features.getChild('starttls', NS_TLS)?.getChild('required')).toBeDefined();
      raw.destroy();
    });

    it('after STARTTLS the account domain offers SCRAM (strongest first) and PLAIN, and no ANONYMOUS', async () => {
      const { raw, features } = await overTls('localhost');
      expect(features.getChild('starttls')).toBeUndefined();
      expect(mechanisms(features)).toEqual(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
      raw.destroy();
    });

    it('after STARTTLS the anonymous domain offers ANONYMOUS only', async () => {
      const { raw, features } = await overTls('anon.localhost');
      expect(mechanisms(features)).toEqual(['ANONYMOUS']);
      raw.destroy();
    });

    it.each([
      ['a guest', 'anon.localhost', "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>"],
      ['an account holder', 'localhost', plainAuth(ALICE.username, ALICE.password)],
    ])('%s who skips STARTTLS cannot authenticate', async (_who, to, auth) => {
      const raw = await RawXmpp.connect({ port: port(), localAddress: '127.0.0.6' });
      await raw.open({ to });
      raw.write(auth);
      const failure = await raw.next('failure');
      expect(failureCondition(failure)).toBe('encryption-required');
      expect(raw.received).not.toContain('<success');
      raw.destroy();
    });
  });

  describe('STARTTLS', () => {
    it('commands sent in the same packet right after <starttls/> are never processed (CVE-2011-0411)', async () => {
      const raw = await RawXmpp.connect({ port: port() });
      await raw.open({ to: 'localhost' });
      raw.write(`<starttls xmlns='${NS_TLS}'/>${plainAuth(ALICE.username, ALICE.password)}<iq type='get' id='injected'><ping xmlns='urn:xmpp:ping'/></iq>`);
      await raw.next('proceed');
      // Nothing more in plain text: no SASL answer, no stream error, no iq reply.
      expect(await raw.quietFor(300)).toBe('');
      await raw.upgradeToTls();
      const features = await raw.open({ to: 'localhost' });
      // Still unauthenticated after TLS: SASL is offered, not bind, and nothing was answered.
      expect(mechanisms(features)).toContain('SCRAM-SHA-256');
      expect(features.getChild('bind', NS_BIND)).toBeUndefined();
      expect(await raw.quietFor(300)).toBe('');
      expect(raw.received).not.toMatch(/<success|<failure|injected|stream:error/);
      // The TLS stream itself works.
      expect((await scramAuth(raw, ALICE.username, ALICE.password)).success).toBe(true);
      raw.destroy();
    });

    it('plain-text bytes after <proceed/> break the TLS handshake and only that connection', async () => {
      const raw = await RawXmpp.connect({ port: port() });
      await raw.open({ to: 'localhost' });
      raw.write(`<starttls xmlns='${NS_TLS}'/>`);
      await raw.next('proceed');
      raw.write(plainAuth(ALICE.username, ALICE.password));
      await raw.waitForClose();
      expect(raw.received).not.toContain('<success');
    });
  });

  describe('SASL', () => {
    it('an account holder signs in with each SCRAM variant and checks the server signature', async () => {
      for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
        const { raw } = await overTls('localhost');
        expect(await scramAuth(raw, ALICE.username, ALICE.password, hash)).toEqual({ success: true, serverVerified: true });
        raw.destroy();
      }
    });

    it('bad base64 gets incorrect-encoding', async () => {
      const { raw } = await overTls('localhost', '127.0.0.3');
      raw.write(`<auth xmlns='${NS_SASL}' mechanism='SCRAM-SHA-256'>not*base64!</auth>`);
      expect(failureCondition(await raw.next('failure'))).toBe('incorrect-encoding');
      raw.destroy();
    });

    it.each([
      ['an unknown mechanism', 'localhost', 'DIGEST-MD5'],
      ['ANONYMOUS on the account domain', 'localhost', 'ANONYMOUS'],
      ['SCRAM on the anonymous domain', 'anon.localhost', 'SCRAM-SHA-256'],
    ])('%s gets invalid-mechanism', async (_name, to, mechanism) => {
      const { raw } = await overTls(to, '127.0.0.3');
      raw.write(`<auth xmlns='${NS_SASL}' mechanism='${mechanism}'>=</auth>`);
      expect(failureCondition(await raw.next('failure'))).toBe('invalid-mechanism');
      raw.destroy();
    });

    it('a wrong password gets not-authorized, and the right one then succeeds on the same stream', async () => {
      const { raw } = await overTls('localhost', '127.0.0.3');
      expect(await scramAuth(raw, ALICE.username, 'wrong')).toMatchObject({ success: false, failure: 'not-authorized' });
      raw.write(plainAuth(ALICE.username, 'wrong'));
      expect(failureCondition(await raw.next('failure'))).toBe('not-authorized');
      expect(await scramAuth(raw, ALICE.username, ALICE.password)).toEqual({ success: true, serverVerified: true });
      raw.destroy();
    });

    it('an unknown user gets not-authorized, like a wrong password', async () => {
      const { raw } = await overTls('localhost', '127.0.0.3');
      expect(await scramAuth(raw, 'nobody', 'whatever')).toMatchObject({ success: false, failure: 'not-authorized' });
      raw.destroy();
    });

    it('the third failure on one stream closes it with policy-violation', async () => {
      const { raw } = await overTls('localhost', '127.0.0.4');
      for (let attempt = 0; attempt < 3; attempt++) {
        expect(await scramAuth(raw, ALICE.username, `wrong ${attempt}`)).toMatchObject({ failure: 'not-authorized' });
      }
      expect((await raw.expectStreamError()).condition).toBe('policy-violation');
    });

    it('after five failures from one address even the right password gets temporary-auth-failure, other addresses sign in', async () => {
      const first = await overTls('localhost', '127.0.0.5');
      for (let attempt = 0; attempt < 3; attempt++) await scramAuth(first.raw, ALICE.username, 'wrong');
      await first.raw.expectStreamError();
      const second = await overTls('localhost', '127.0.0.5');
      for (let attempt = 0; attempt < 2; attempt++) {
        expect(await scramAuth(second.raw, ALICE.username, 'wrong')).toMatchObject({ failure: 'not-authorized' });
      }
      expect(await scramAuth(second.raw, ALICE.username, ALICE.password)).toMatchObject({ success: false, failure: 'temporary-auth-failure' });
      second.raw.destroy();

      const elsewhere = await signIn({ port: port(), ...ALICE, localAddress: '127.0.0.7' });
      expect(elsewhere.jid).toMatch(/^alice@localhost\//);
      elsewhere.raw.destroy();
    });
  });

  describe('resource binding', () => {
    it('a client-chosen resource is kept', async () => {
      const { raw, jid } = await signIn({ port: port(), ...ALICE, resource: 'desk' });
      expect(jid).toBe('alice@localhost/desk');
      raw.destroy();
    });

    it.each([
      ['no resource element', undefined],
      ['an empty resource', ''],
    ])('with %s the server generates a resource', async (_name, resource) => {
      const { raw, jid } = await signIn({ port: port(), ...ALICE, resource });
      expect(jid).toMatch(/^alice@localhost\/.+$/);
      raw.destroy();
    });

    it('a second sign-in with the same resource replaces the first, which gets a conflict stream error', async () => {
      const old = await signIn({ port: port(), ...ALICE, resource: 'phone' });
      const replacement = await signIn({ port: port(), ...ALICE, resource: 'phone' });
      expect(replacement.jid).toBe('alice@localhost/phone');
      expect((await old.raw.expectStreamError()).condition).toBe('conflict');

      // Stanzas for the resource now reach the new connection.
      const sender = bystander.client();
      await sender.send(xml('message', { to: 'alice@localhost/phone', id: 'after-conflict', type: 'chat' }, xml('body', {}, 'hi')));
      const message = await replacement.raw.next('message');
      expect(message.attrs.id).toBe('after-conflict');
      replacement.raw.destroy();
    });
  });

  describe('direct TLS (XEP-0368)', () => {
    it('offers SCRAM without STARTTLS and signs in with SCRAM', async () => {
      const directPort = server.server.addresses.c2sDirectTls!.port;
      const raw = await RawXmpp.connect({ port: directPort, directTls: true });
      expect(raw.tlsSocket?.alpnProtocol).toBe('xmpp-client');
      const features = await raw.open({ to: 'localhost' });
      expect(features.getChild('starttls')).toBeUndefined();
      expect(mechanisms(features)).toEqual(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
      expect(await scramAuth(raw, ALICE.username, ALICE.password, 'SHA-512')).toEqual({ success: true, serverVerified: true });
      await raw.open({ to: 'localhost' });
      expect(await raw.bind('direct')).toBe('alice@localhost/direct');
      raw.write("<iq type='get' id='ping-direct' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
      expect((await raw.next('iq')).attrs).toMatchObject({ type: 'result', id: 'ping-direct' });
      raw.destroy();
    });

    it('a client speaking plain XML to the direct TLS port is disconnected', async () => {
      const raw = await RawXmpp.connect({ port: server.server.addresses.c2sDirectTls!.port });
      raw.write(streamHeader());
      await raw.waitForClose();
      expect(raw.received).toBe('');
    });

    it('a guest signs in over direct TLS with ANONYMOUS', async () => {
      const { raw, jid } = await signIn({ port: server.server.addresses.c2sDirectTls!.port, directTls: true });
      expect(jid).toMatch(/@anon\.localhost\//);
      raw.destroy();
    });
  });

  describe('first answers to a bound client', () => {
    it('an iq without an id gets bad-request and the stream stays open', async () => {
      const { raw } = await signIn({ port: port() });
      raw.write("<iq type='get' to='anon.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
      const reply = await raw.next('iq');
      expect(reply.attrs.type).toBe('error');
      expect(stanzaErrorCondition(reply)).toBe('bad-request');
      raw.write("<iq type='get' id='still-open' to='anon.localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
      expect((await raw.next('iq')).attrs).toMatchObject({ type: 'result', id: 'still-open' });
      raw.destroy();
    });

    it.each([
      ['a message', "<message to='someone@elsewhere.example' id='remote-1' type='chat'><body>hi</body></message>", 'message'],
      ['an iq', "<iq to='elsewhere.example' id='remote-2' type='get'><ping xmlns='urn:xmpp:ping'/></iq>", 'iq'],
    ])('%s to a domain this server does not serve bounces with remote-server-not-found', async (_name, stanza, name) => {
      const { raw, jid } = await signIn({ port: port() });
      raw.write(stanza);
      const reply = await raw.next(name);
      expect(reply.attrs).toMatchObject({ type: 'error', to: jid });
      expect(stanzaErrorCondition(reply)).toBe('remote-server-not-found');
      raw.destroy();
    });

    it.each([
      ['a message', "<message to='nobody@localhost' id='nobody-1' type='chat'><body>hi</body></message>", 'message'],
      ['an iq', "<iq to='nobody@localhost/res' id='nobody-2' type='get'><query xmlns='jabber:iq:version'/></iq>", 'iq'],
    ])('%s to a local user who does not exist gets service-unavailable', async (_name, stanza, name) => {
      const { raw } = await signIn({ port: port() });
      raw.write(stanza);
      const reply = await raw.next(name);
      expect(reply.attrs.type).toBe('error');
      expect(stanzaErrorCondition(reply)).toBe('service-unavailable');
      raw.destroy();
    });
  });
});

describe('a server on plain TCP (require_encryption = false)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.stop());
  servedThroughout(() => server.c2sPort);

  it('offers STARTTLS (not required) and SCRAM, but no PLAIN before TLS', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    const features = await raw.open({ to: 'localhost' });
    expect(features.getChild('starttls', NS_TLS)?.getChild('required')).toBeUndefined();
    expect(mechanisms(features)).toEqual(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1']);
    raw.write(plainAuth('alice', 'pw'));
    expect(failureCondition(await raw.next('failure'))).toBe('invalid-mechanism');
    raw.destroy();
  });

  it('offers PLAIN once the client has upgraded with STARTTLS', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    await raw.open({ to: 'localhost' });
    await raw.startTls();
    expect(mechanisms(await raw.open({ to: 'localhost' }))).toEqual(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
    raw.destroy();
  });

  it('lets a guest sign in with ANONYMOUS without TLS', async () => {
    const { raw, jid } = await signIn({ port: server.c2sPort });
    expect(jid).toMatch(/@anon\.localhost\//);
    raw.destroy();
  });
});

describe('a test server with auth = "insecure" on plain TCP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ server: { auth: 'insecure' } });
  });
  afterAll(() => server?.stop());
  servedThroughout(() => server.c2sPort);

  it('offers PLAIN without TLS and accepts any user with any password', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    const features = await raw.open({ to: 'localhost' });
    expect(mechanisms(features)).toContain('PLAIN');
    raw.write(plainAuth('whoever', 'anything'));
    await raw.next('success');
    await raw.open({ to: 'localhost' });
    expect(await raw.bind('test')).toBe('whoever@localhost/test');
    raw.destroy();
  });
});

describe('shutdown', () => {
  it('server.stop() sends system-shutdown to every connected client, signed in or not', async () => {
    const server = await startTestServer();
    try {
      const bound = await signIn({ port: server.c2sPort });
      const negotiating = await RawXmpp.connect({ port: server.c2sPort });
      await negotiating.open({ to: 'anon.localhost' });
      const client = await connectClient({ port: server.c2sPort });
      const clientError = new Promise<unknown>((resolve) => client.on('error', resolve));

      await server.stop();
      for (const raw of [bound.raw, negotiating]) {
        expect((await raw.expectStreamError()).condition).toBe('system-shutdown');
      }
      expect(await clientError).toMatchObject({ condition: 'system-shutdown' });
      await client.stop().catch(() => {});
    } finally {
      await server.stop();
    }
  });
});
