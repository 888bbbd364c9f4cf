import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { nextStanza } from '../helpers/clients.js';
import { RawXmpp, servedThroughout, signIn, streamHeader, type StreamErrorInfo } from '../helpers/raw-xmpp.js';

/**
 * RFC 6120 §4.9 stream errors provoked with raw bytes. Each bad client is cut off with the
 * right condition and its socket closed, while a bystander signed in beforehand keeps its
 * one connection and is still served after every test.
 */

const PREAUTH_MAX = 2048;
const MAX_STANZA = 8192;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    limits: { negotiation_timeout: '1s', preauth_max_stanza_size: `${PREAUTH_MAX}B`, max_stanza_size: `${MAX_STANZA}B` },
  });
});
afterAll(() => server?.stop());

const bystander = servedThroughout(() => server.c2sPort);

/** A raw connection that opened a stream to the anonymous domain and read the features. */
async function opened(): Promise<RawXmpp> {
  const raw = await RawXmpp.connect({ port: server.c2sPort });
  await raw.open({ to: 'anon.localhost' });
  return raw;
}

/** Writes `bytes` in the given state and returns the stream error that ends the stream. */
async function provoke(bytes: string | Buffer, state: 'connected' | 'opened' | 'bound'): Promise<StreamErrorInfo> {
  const raw = state === 'bound' ? (await signIn({ port: server.c2sPort })).raw
    : state === 'opened' ? await opened()
      : await RawXmpp.connect({ port: server.c2sPort });
  raw.write(bytes);
  return raw.expectStreamError();
}

describe('a client sending XML that is not well-formed is cut off with not-well-formed', () => {
  it.each([
    ['mismatched tags', "<message to='bob@localhost'><body>hi</message>"],
    ['a NUL character', "<message to='bob@localhost'><body>a\u0000b</body></message>"],
    ['a character reference to NUL', "<message to='bob@localhost'><body>a&#0;b</body></message>"],
    ['a duplicated attribute', "<message to='bob@localhost' to='eve@localhost'/>"],
    ['an unbound namespace prefix', '<foo:message/>'],
  ])('%s', async (_name, bytes) => {
    expect((await provoke(bytes, 'bound')).condition).toBe('not-well-formed');
  });

  it('a bare ampersand (the stanza is never delivered; the error comes at the next semicolon)', async () => {
    const error = await provoke("<message to='bob@localhost'><body>AT&T rocks; yes</body></message>", 'bound');
    expect(error.condition).toBe('not-well-formed');
  });

  it('invalid UTF-8 bytes', async () => {
    const bytes = Buffer.concat([Buffer.from("<message to='bob@localhost'><body>"), Buffer.of(0xc3, 0x28), Buffer.from('</body></message>')]);
    expect((await provoke(bytes, 'bound')).condition).toBe('not-well-formed');
  });

  it('an overlong UTF-8 encoding in the stream header', async () => {
    const bytes = Buffer.concat([Buffer.from("<?xml version='1.0'?><stream:stream to='loc"), Buffer.of(0xc0, 0xaf), Buffer.from("alhost'>")]);
    expect((await provoke(bytes, 'connected')).condition).toBe('not-well-formed');
  });
});

describe('a character split across TCP packets is not an error', () => {
  it('a guest sends a message byte by byte and the bystander receives every character intact', async () => {
    const { raw } = await signIn({ port: server.c2sPort });
    const body = 'héllo € 😀 ok';
    const received = nextStanza(bystander.client(), (s) => s.is('message') && s.attrs.id === 'split');
    await raw.writeBytewise(`<message to='${bystander.client().jid!.toString()}' id='split' type='chat'><body>${body}</body></message>`);
    expect((await received).getChildText('body')).toBe(body);
    expect(raw.isOpen).toBe(true);
    raw.destroy();
  });
});

describe('a client using XML that XMPP restricts is cut off with restricted-xml (RFC 6120 §11.1)', () => {
  it.each([
    ['a comment', '<!-- hello -->', 'opened'],
    ['a comment inside a stanza', "<message to='bob@localhost'><!-- hello --><body>x</body></message>", 'bound'],
    ['a processing instruction', "<?evil data?>", 'opened'],
    ['a DTD before the stream header', "<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY foo 'bar'>]>" + streamHeader(), 'connected'],
    ['an entity reference beyond the predefined five', "<message to='bob@localhost'><body>&foo;</body></message>", 'bound'],
    ['an entity reference in an attribute', "<message to='&foo;'/>", 'opened'],
  ] as const)('%s', async (_name, bytes, state) => {
    expect((await provoke(bytes, state)).condition).toBe('restricted-xml');
  });
});

describe('a client exceeding the limits is cut off with policy-violation', () => {
  it('a stanza over the pre-authentication cap, in one write', async () => {
    const bytes = `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${'A'.repeat(PREAUTH_MAX * 2)}</auth>`;
    const error = await provoke(bytes, 'opened');
    expect(error.condition).toBe('policy-violation');
    expect(error.appCondition).toBe('stanza-too-big urn:xmpp:errors');
  });

  it('a stanza over [limits].max_stanza_size after authentication, in one write', async () => {
    const bytes = `<message to='bob@localhost'><body>${'x'.repeat(MAX_STANZA * 2)}</body></message>`;
    const error = await provoke(bytes, 'bound');
    expect(error.condition).toBe('policy-violation');
    expect(error.appCondition).toBe('stanza-too-big urn:xmpp:errors');
  });

  it('a stanza over [limits].max_stanza_size that is still arriving', async () => {
    const { raw } = await signIn({ port: server.c2sPort });
    raw.write("<message to='bob@localhost'><body>");
    for (let i = 0; i < 4; i++) raw.write('y'.repeat(MAX_STANZA / 2));
    const error = await raw.expectStreamError();
    expect(error.condition).toBe('policy-violation');
    expect(error.appCondition).toBe('stanza-too-big urn:xmpp:errors');
  });

  it('a stanza under the cap after authentication is delivered', async () => {
    const { raw } = await signIn({ port: server.c2sPort });
    const body = 'z'.repeat(MAX_STANZA - 200);
    const received = nextStanza(bystander.client(), (s) => s.is('message') && s.attrs.id === 'big-ok');
    raw.write(`<message to='${bystander.client().jid!.toString()}' id='big-ok'><body>${body}</body></message>`);
    expect((await received).getChildText('body')).toBe(body);
    raw.destroy();
  });

  it('a burst of small stanzas bigger than the cap in one write is delivered, not mistaken for one big stanza', async () => {
    const { raw } = await signIn({ port: server.c2sPort });
    const count = 24;
    const ids = Array.from({ length: count }, (_unused, index) => `burst-${index}`);
    const seen = new Set<string>();
    const all = nextStanza(bystander.client(), (s) => {
      if (s.is('message') && ids.includes(s.attrs.id)) seen.add(s.attrs.id);
      return seen.size === count;
    });
    const body = 'b'.repeat(MAX_STANZA / 8);
    raw.write(ids.map((id) => `<message to='${bystander.client().jid!.toString()}' id='${id}'><body>${body}</body></message>`).join(''));
    await all;
    expect(raw.isOpen).toBe(true);
    raw.destroy();
  });

  it('too many attributes on one element', async () => {
    const attrs = Array.from({ length: 100 }, (_unused, index) => `a${index}='x'`).join(' ');
    expect((await provoke(`<message ${attrs}/>`, 'bound')).condition).toBe('policy-violation');
  });

  it('elements nested too deeply', async () => {
    const error = await provoke('<a>'.repeat(10_000), 'opened');
    expect(error.condition).toBe('policy-violation');
  });

  it('elements nested too deeply after authentication', async () => {
    const error = await provoke(`<message to='bob@localhost'>${'<a>'.repeat(10_000)}`, 'bound');
    expect(error.condition).toBe('policy-violation');
  });
});

describe('a stream header the server cannot accept', () => {
  it.each([
    ['a wrong stream namespace', { 'xmlns:stream': 'http://example.com/streams' }, 'invalid-namespace'],
    ['a wrong default namespace', { xmlns: 'jabber:server' }, 'invalid-namespace'],
    ['no default namespace', { xmlns: undefined }, 'invalid-namespace'],
    ['a domain the server does not serve', { to: 'nowhere.example' }, 'host-unknown'],
    ['no to attribute', { to: undefined }, 'host-unknown'],
    ['a component domain', { to: 'conference.localhost' }, 'host-unknown'],
    ['version 2.0', { version: '2.0' }, 'unsupported-version'],
    ['no version', { version: undefined }, 'unsupported-version'],
  ] as const)('%s', async (_name, attrs, condition) => {
    expect((await provoke(streamHeader(attrs), 'connected')).condition).toBe(condition);
  });

  it('an XML declaration naming an encoding other than UTF-8 gets unsupported-encoding (RFC 6120 §4.9.3.22)', async () => {
    const latin1 = streamHeader().replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='ISO-8859-1'?>");
    expect((await provoke(latin1, 'connected')).condition).toBe('unsupported-encoding');
    const utf8 = await RawXmpp.connect({ port: server.c2sPort });
    utf8.write(streamHeader({ to: 'anon.localhost' }).replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-8'?>"));
    await utf8.next('stream:features');
    utf8.destroy();
  });

  it('the stream error comes in a stream opened by the server', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    raw.write(streamHeader({ to: 'nowhere.example' }));
    await raw.expectStreamError();
    expect(raw.received).toMatch(/^<\?xml version='1.0'\?><stream:stream [^>]*xmlns:stream='http:\/\/etherx\.jabber\.org\/streams'/);
  });
});

describe('timing and order', () => {
  it('a client that opens a stream and then says nothing gets connection-timeout', async () => {
    const raw = await opened();
    expect((await raw.expectStreamError(5000)).condition).toBe('connection-timeout');
  });

  it('a client that connects and sends nothing at all gets connection-timeout', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    expect((await raw.expectStreamError(5000)).condition).toBe('connection-timeout');
  });

  it('a client that sends a stanza before authenticating gets not-authorized', async () => {
    expect((await provoke("<message to='bob@localhost'><body>hi</body></message>", 'opened')).condition).toBe('not-authorized');
  });

  it('a client that sends a stanza instead of a stream header gets invalid-namespace', async () => {
    expect((await provoke("<message to='bob@localhost'><body>hi</body></message>", 'connected')).condition).toBe('invalid-namespace');
  });
});

describe('a bound client breaking the rules', () => {
  it('a stanza claiming to be from someone else gets invalid-from', async () => {
    const error = await provoke("<message from='someone@else' to='bob@localhost'><body>hi</body></message>", 'bound');
    expect(error.condition).toBe('invalid-from');
  });

  it('a stanza from its own JID is accepted', async () => {
    const { raw, jid } = await signIn({ port: server.c2sPort });
    const received = nextStanza(bystander.client(), (s) => s.is('message') && s.attrs.id === 'own-from');
    raw.write(`<message from='${jid}' to='${bystander.client().jid!.toString()}' id='own-from'><body>hi</body></message>`);
    expect((await received).attrs.from).toBe(jid);
    raw.destroy();
  });

  it.each([
    ['an unknown top-level element', '<foo/>'],
    ['an element in an unknown namespace', "<foo xmlns='urn:example:unknown'/>"],
  ])('%s gets unsupported-stanza-type', async (_name, bytes) => {
    expect((await provoke(bytes, 'bound')).condition).toBe('unsupported-stanza-type');
  });

  it('text between stanzas gets bad-format', async () => {
    expect((await provoke('hello<presence/>', 'bound')).condition).toBe('bad-format');
  });
});
