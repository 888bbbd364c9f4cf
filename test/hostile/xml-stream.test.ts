import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { nextStanza, xml } from '../helpers/clients.js';
import { NS_SASL, RawXmpp, servedThroughout, signIn, streamHeader, type StreamErrorInfo } from '../helpers/raw-xmpp.js';
import { httpRequest, RawBosh, signInOverWebSocket } from '../helpers/web.js';

/**
 * Attacks on the XML stream, SASL negotiation, WebSocket framing and BOSH, each answered
 * with the protocol's error for the attacker alone, while a guest signed in before the suite
 * (the bystander) keeps its connection and is served after every case. Cases already in
 * test/integration (stream-errors, negotiation, websocket, bosh) are not repeated here.
 */

const PREAUTH_MAX = 4096;
const MAX_STANZA = 16 * 1024;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    limits: { negotiation_timeout: '2s', preauth_max_stanza_size: `${PREAUTH_MAX}B`, max_stanza_size: `${MAX_STANZA}B` },
    // The memory case opens batches of connections from one address.
    access: { max_connections_per_address: 1000 },
  });
});
afterAll(() => server?.stop());

const bystander = servedThroughout(() => server.c2sPort);

async function attacker(state: 'connected' | 'opened' | 'bound'): Promise<RawXmpp> {
  if (state === 'bound') return (await signIn({ port: server.c2sPort })).raw;
  const raw = await RawXmpp.connect({ port: server.c2sPort });
  if (state === 'opened') await raw.open({ to: 'anon.localhost' });
  return raw;
}

/** Writes each chunk as its own packet, then returns the stream error that ends the stream. */
async function provoke(state: 'connected' | 'opened' | 'bound', ...chunks: (string | Buffer)[]): Promise<StreamErrorInfo> {
  const raw = await attacker(state);
  for (const chunk of chunks) {
    raw.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return raw.expectStreamError();
}

/** A message to the bystander carrying `marker`, so that its (non-)arrival can be checked. */
function toBystander(marker: string): string {
  return `<message to='${bystander.client().jid!.toString()}' type='chat' id='${marker}'><body>${marker}</body></message>`;
}

let markers = 0;

/**
 * Resolves once a message from the bystander to itself came back: anything routed to it
 * before was delivered by then, so a check that something did not arrive cannot race it.
 */
async function bystanderRoundTrip(): Promise<void> {
  const client = bystander.client();
  const id = `marker-${++markers}`;
  const back = nextStanza(client, (s) => s.is('message') && s.attrs.id === id);
  await client.send(xml('message', { to: client.jid!.toString(), type: 'chat', id }, xml('body', {}, 'marker')));
  await back;
}

/** Ids of the stanzas the bystander receives from now on. */
function bystanderSees(): string[] {
  const seen: string[] = [];
  bystander.client().on('stanza', (stanza: { attrs: { id?: string } }) => seen.push(stanza.attrs.id ?? ''));
  return seen;
}

describe('restricted XML (RFC 6120 §11) as an attack', () => {
  it('billion laughs in an internal DTD subset is refused before any expansion', async () => {
    const laughs = ["<!ENTITY lol 'lol'>"];
    for (let i = 1; i < 10; i++) laughs.push(`<!ENTITY lol${i} '${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}'>`);
    const started = Date.now();
    const error = await provoke('connected', `<?xml version='1.0'?><!DOCTYPE stream:stream [${laughs.join('')}]>`, streamHeader(), '<message><body>&lol9;</body></message>');
    expect(error.condition).toBe('restricted-xml');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an external entity (XXE) is refused and nothing of the file comes back', async () => {
    const raw = await attacker('connected');
    raw.write(`<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>${streamHeader()}<message><body>&xxe;</body></message>`);
    expect((await raw.expectStreamError()).condition).toBe('restricted-xml');
    expect(raw.received).not.toContain('root:');
  });

  it('a DTD after authentication, inside the stream, is refused', async () => {
    expect((await provoke('bound', "<!DOCTYPE message [<!ENTITY a 'b'>]>")).condition).toBe('restricted-xml');
  });

  it('a processing instruction hidden inside a stanza is refused and the stanza is not delivered', async () => {
    const raw = await attacker('bound');
    raw.write(toBystander('pi-inside').replace('<body>', "<body><?evil x?>"));
    expect((await raw.expectStreamError()).condition).toBe('restricted-xml');
    const seen = bystanderSees();
    await bystanderRoundTrip();
    expect(seen).not.toContain('pi-inside');
  });
});

describe('caps under attack', () => {
  it('100 000 nested elements in one write cost the attacker its stream, and nobody else a delay', async () => {
    const error = await provoke('bound', `<message>${'<a>'.repeat(100_000)}`);
    expect(error.condition).toBe('policy-violation');
  });

  it('nesting that grows a few elements per packet is caught at the cap', async () => {
    const raw = await attacker('bound');
    raw.write('<message>');
    for (let i = 0; i < 30 && raw.isOpen; i++) {
      raw.write('<a><b><c>');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect((await raw.expectStreamError()).condition).toBe('policy-violation');
  });

  it('10 000 attributes on one element', async () => {
    const attrs = Array.from({ length: 10_000 }, (_v, i) => ` a${i}='x'`).join('');
    expect((await provoke('bound', `<message${attrs}/>`)).condition).toBe('policy-violation');
  });

  it('many empty elements in one stanza', async () => {
    const error = await provoke('bound', `<message>${'<x/>'.repeat(6000)}</message>`);
    expect(error.condition).toBe('policy-violation');
  });

  it('an attribute value that never ends, sent in small packets past the stanza cap', async () => {
    const raw = await attacker('bound');
    raw.write("<message to='");
    for (let sent = 0; sent <= MAX_STANZA + 1024 && raw.isOpen; sent += 1024) {
      raw.write('x'.repeat(1024));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const error = await raw.expectStreamError();
    expect(error.condition).toBe('policy-violation');
    expect(error.appCondition).toBe('stanza-too-big urn:xmpp:errors');
  });

  it('a stream header with hundreds of attributes before authentication', async () => {
    const attrs = Object.fromEntries(Array.from({ length: 300 }, (_v, i) => [`x${i}`, 'y']));
    expect((await provoke('connected', streamHeader(attrs))).condition).toBe('policy-violation');
  });
});

describe('encodings and characters', () => {
  it('a lead byte in one packet and a bad continuation in the next', async () => {
    const error = await provoke('bound', Buffer.from(toBystander('split-bad').replace('split-bad</body>', 'x')), Buffer.of(0xe2), Buffer.of(0x28, 0xa1), Buffer.from('</body></message>'));
    expect(error.condition).toBe('not-well-formed');
  });

  it('a UTF-8 encoded surrogate (CESU-8 style)', async () => {
    const error = await provoke('bound', Buffer.concat([Buffer.from("<message><body>"), Buffer.of(0xed, 0xa0, 0x80), Buffer.from('</body></message>')]));
    expect(error.condition).toBe('not-well-formed');
  });

  it('a NUL byte in an attribute value, alone in its packet', async () => {
    expect((await provoke('bound', "<message to='a", Buffer.of(0), "'/>")).condition).toBe('not-well-formed');
  });

  it('an XML declaration in UTF-16 is refused', async () => {
    const header = streamHeader().replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-16'?>");
    expect((await provoke('connected', header)).condition).toBe('unsupported-encoding');
  });
});

describe('namespace tricks', () => {
  it('the same attribute twice under two prefixes of one namespace', async () => {
    const error = await provoke('bound', "<message xmlns:a='urn:x' xmlns:b='urn:x' a:k='1' b:k='2'/>");
    expect(error.condition).toBe('not-well-formed');
  });

  it('rebinding the xml prefix', async () => {
    expect((await provoke('bound', "<message xmlns:xml='urn:evil'/>")).condition).toBe('not-well-formed');
  });

  it('a payload whose prefix is declared on the stanza arrives resolved to its namespace, prefixed attribute included', async () => {
    const { raw } = await signIn({ port: server.c2sPort });
    raw.write(`<message to='${bystander.client().jid!.toString()}' type='chat' id='prefixed-ok' xmlns:e='urn:example'><body>ok</body><e:x e:k='v'/></message>`);
    const received = await nextStanza(bystander.client(), (s) => s.attrs.id === 'prefixed-ok');
    expect(received.getChild('x', 'urn:example')?.attrs['e:k']).toBe('v');
    raw.destroy();
  });
});

describe('negotiation out of order', () => {
  it('resource binding before authentication', async () => {
    const error = await provoke('opened', "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    expect(error.condition).toBe('not-authorized');
  });

  it('a second stream header, XML declaration and all, inside an open stream', async () => {
    expect((await provoke('opened', streamHeader({ to: 'anon.localhost' }))).condition).toBe('not-well-formed');
  });

  it('SASL again after a successful authentication', async () => {
    const raw = await attacker('opened');
    await raw.authAnonymous();
    raw.write(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'/>`);
    expect((await raw.expectStreamError()).condition).toBe('not-authorized');
  });

  it('an unknown mechanism gets invalid-mechanism, and the stream goes on to a normal sign-in', async () => {
    const raw = await attacker('opened');
    raw.write(`<auth xmlns='${NS_SASL}' mechanism='X-EVIL'/>`);
    const failure = await raw.next('failure');
    expect(failure.getChild('invalid-mechanism')).toBeTruthy();
    await raw.authAnonymous();
    expect(await raw.bind()).toMatch(/@anon\.localhost\//);
    raw.destroy();
  });

  it('a SASL response with nothing in progress gets a failure, not a crash', async () => {
    const raw = await attacker('opened');
    raw.write(`<response xmlns='${NS_SASL}'>${'A'.repeat(400)}</response>`);
    expect((await raw.next('failure')).getChild('malformed-request')).toBeTruthy();
    raw.destroy();
  });

  it('a SASL payload that keeps arriving in small packets past the pre-authentication cap', async () => {
    const raw = await attacker('opened');
    raw.write(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'>`);
    for (let sent = 0; sent <= PREAUTH_MAX && raw.isOpen; sent += 512) {
      raw.write('A'.repeat(512));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const error = await raw.expectStreamError();
    expect(error.condition).toBe('policy-violation');
    expect(error.appCondition).toBe('stanza-too-big urn:xmpp:errors');
  });
});

describe('WebSocket rules', () => {
  it('a stanza written after <close/> in the same moment is not routed', async () => {
    const { ws } = await signInOverWebSocket(server.httpPort);
    ws.send(`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>`);
    ws.send(toBystander('after-close').replace('<message ', "<message xmlns='jabber:client' "));
    await ws.closed;
    const seen = bystanderSees();
    await bystanderRoundTrip();
    expect(seen).not.toContain('after-close');
  });

  it('an oversize frame after sign-in cuts that socket only (1009)', async () => {
    const { ws } = await signInOverWebSocket(server.httpPort);
    ws.send(`<message xmlns='jabber:client'><body>${'x'.repeat(2 * 1024 * 1024)}</body></message>`);
    expect((await ws.closed).code).toBe(1009);
  });

  it('two elements in one frame, the second unfinished, deliver neither', async () => {
    const { ws } = await signInOverWebSocket(server.httpPort);
    ws.send(toBystander('half-frame').replace('<message ', "<message xmlns='jabber:client' ") + '<message>');
    await ws.waitFor((m) => m.startsWith('<stream:error'));
    const seen = bystanderSees();
    await bystanderRoundTrip();
    expect(seen).not.toContain('half-frame');
  });
});

describe('BOSH rules', () => {
  const url = () => `${server.httpUrl}/http-bind`;

  it('a replayed rid with a different payload gets the cached answer and the new payload is dropped', async () => {
    const bosh = new RawBosh(url());
    await bosh.signIn();
    bosh.rid += 1;
    const ping = "<iq xmlns='jabber:client' type='get' id='p1' to='anon.localhost'><ping xmlns='urn:xmpp:ping'/></iq>";
    const first = await bosh.post(bosh.rid, ping);
    const replay = await bosh.post(bosh.rid, toBystander('replayed').replace('<message ', "<message xmlns='jabber:client' "));
    expect(replay.text).toBe(first.text);
    const seen = bystanderSees();
    await bystanderRoundTrip();
    expect(seen).not.toContain('replayed');
  });

  it("another session's sid with the next rid does not reach that session", async () => {
    const victim = new RawBosh(url());
    await victim.signIn();
    const thief = new RawBosh(url());
    thief.sid = `${victim.sid}x`;
    expect((await thief.send()).attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect((await victim.send("<iq xmlns='jabber:client' type='get' id='v' to='anon.localhost'><ping xmlns='urn:xmpp:ping'/></iq>")).getChild('iq')?.attrs.type).toBe('result');
  });

  it('a restricted-XML body is refused with 400 and creates no session', async () => {
    const before = server.server.context.sessions.count;
    const result = await httpRequest(url(), { method: 'POST', body: "<!DOCTYPE body [<!ENTITY a 'b'>]><body xmlns='http://jabber.org/protocol/httpbind' rid='1' to='anon.localhost'>&a;</body>" });
    expect(result.status).toBe(400);
    expect(server.server.context.sessions.count).toBe(before);
  });

  it('a body that is a flood of rids beyond the window ends its own session only', async () => {
    const bosh = new RawBosh(url());
    await bosh.signIn();
    const answers = await Promise.all(Array.from({ length: 20 }, (_v, i) => bosh.post(bosh.rid + 3 + i, '')));
    expect(answers.every((answer) => answer.body.attrs.condition === 'item-not-found')).toBe(true);
  });
});

describe('memory after many abandoned connections', () => {
  it('2 000 connections that send half a stanza and vanish leave the heap near where it was', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        gc();
      }
      return process.memoryUsage().heapUsed;
    };
    const before = await settle();
    for (let round = 0; round < 20; round++) {
      const batch = await Promise.all(Array.from({ length: 100 }, () => RawXmpp.connect({ port: server.c2sPort })));
      for (const raw of batch) raw.write(`${streamHeader({ to: 'anon.localhost' })}<message><body>${'x'.repeat(1000)}`);
      await Promise.all(batch.map((raw) => raw.waitFor(/<stream:features/)));
      for (const raw of batch) raw.destroy();
      await Promise.all(batch.map((raw) => raw.closed));
    }
    const after = await settle();
    // Generous: 2 000 connections held ~2 KiB of parser state each while open.
    expect(after - before).toBeLessThan(16 * 1024 * 1024);
  });
});
