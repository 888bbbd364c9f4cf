import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml } from '../helpers/clients.js';
import { connectWebSocketClient, FRAMING, RawWebSocket, UpgradeRefused } from '../helpers/web.js';

let server: TestServer;
let wsUrl: string;

const OPEN = `<open xmlns='${FRAMING}' to='anon.localhost' version='1.0'/>`;

beforeAll(async () => {
  server = await startTestServer();
  wsUrl = `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
  await addAccount(server, 'alice', 'alice pw');
});
afterAll(() => server?.stop());

async function refusal(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
  throw new Error('the upgrade was accepted');
}

describe('XMPP over WebSocket (RFC 7395)', () => {
  it('a guest signs in over WebSocket and exchanges messages with a TCP user', async () => {
    const guest = await connectWebSocketClient({ httpPort: server.httpPort });
    const tcp = await connectClient({ port: server.c2sPort });
    expect(guest.jid!.toString()).toMatch(/@anon\.localhost\//);

    const atTcp = nextStanza(tcp, (s) => s.is('message'));
    await guest.send(xml('message', { to: tcp.jid!.toString(), type: 'chat' }, xml('body', {}, 'hello from the browser')));
    expect((await atTcp).getChildText('body')).toBe('hello from the browser');

    const atGuest = nextStanza(guest, (s) => s.is('message'));
    await tcp.send(xml('message', { to: guest.jid!.toString(), type: 'chat' }, xml('body', {}, 'hello from TCP')));
    const received = await atGuest;
    expect(received.getChildText('body')).toBe('hello from TCP');
    expect(received.attrs.from).toBe(tcp.jid!.toString());
    await guest.stop();
    await tcp.stop();
  });

  it('an account holder signs in with SCRAM over WebSocket from loopback', async () => {
    const alice = await connectWebSocketClient({ httpPort: server.httpPort, username: 'alice', password: 'alice pw', resource: 'web' });
    expect(alice.jid!.toString()).toBe('alice@localhost/web');
    await alice.stop();
  });

  it('frames stanzas with jabber:client and declares the stream prefix on features', async () => {
    const ws = await RawWebSocket.open(wsUrl);
    ws.send(OPEN);
    const open = await ws.waitFor((m) => m.startsWith('<open'));
    expect(open).toContain(`xmlns='${FRAMING}'`);
    expect(open).toContain("version='1.0'");
    const features = await ws.waitFor((m) => m.startsWith('<stream:features'));
    expect(features).toContain("xmlns:stream='http://etherx.jabber.org/streams'");
    expect(features).toContain('<mechanism>ANONYMOUS</mechanism>');

    ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
    await ws.waitFor((m) => m.startsWith('<success'));
    const before = ws.messages.length;
    ws.send(OPEN);
    await ws.waitFor((m) => m.includes('urn:ietf:params:xml:ns:xmpp-bind'), before);
    ws.send("<iq xmlns='jabber:client' type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
    const bound = await ws.waitFor((m) => m.startsWith('<iq'));
    expect(bound).toMatch(/^<iq xmlns='jabber:client'/);
    expect(bound).toContain('@anon.localhost/');

    ws.send(`<close xmlns='${FRAMING}'/>`);
    await ws.waitFor((m) => m.startsWith('<close'));
    expect((await ws.closed).code).toBe(1000);
  });

  it('an upgrade without the xmpp subprotocol is refused', async () => {
    expect(await refusal(RawWebSocket.open(wsUrl, { protocols: [] }))).toBe(400);
    expect(await refusal(RawWebSocket.open(wsUrl, { protocols: ['chat'] }))).toBe(400);
  });

  it('an upgrade on another path is refused', async () => {
    expect(await refusal(RawWebSocket.open(`ws://127.0.0.1:${server.httpPort}/other`))).toBe(404);
  });

  it('a binary frame closes the connection with 1003', async () => {
    const ws = await RawWebSocket.open(wsUrl);
    ws.send(Buffer.from(OPEN));
    expect((await ws.closed).code).toBe(1003);
  });

  it('a stanza before <open/> gets a stream error and the stream closes', async () => {
    const ws = await RawWebSocket.open(wsUrl);
    ws.send("<message xmlns='jabber:client' to='someone@anon.localhost'><body>hi</body></message>");
    const error = await ws.waitFor((m) => m.startsWith('<stream:error'));
    expect(error).toContain("xmlns:stream='http://etherx.jabber.org/streams'");
    expect(error).toContain('<not-authorized');
    await ws.waitFor((m) => m.startsWith('<close'));
    expect((await ws.closed).code).toBe(1000);
  });

  it('an <open/> in another namespace gets invalid-namespace (RFC 7395 §3.4)', async () => {
    const ws = await RawWebSocket.open(wsUrl);
    ws.send("<open xmlns='jabber:client' to='anon.localhost' version='1.0'/>");
    const error = await ws.waitFor((m) => m.startsWith('<stream:error'));
    expect(error).toMatch(/<invalid-namespace xmlns=["']urn:ietf:params:xml:ns:xmpp-streams["']/);
    await ws.waitFor((m) => m.startsWith('<close'));
    expect((await ws.closed).code).toBe(1000);
  });

  it('an element split across two messages is a stream error', async () => {
    const ws = await RawWebSocket.open(wsUrl);
    ws.send(OPEN);
    await ws.waitFor((m) => m.startsWith('<stream:features'));
    ws.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'>");
    ws.send('</auth>');
    const error = await ws.waitFor((m) => m.startsWith('<stream:error'));
    expect(error).toContain('<not-well-formed');
    await ws.closed;
  });

  it('a message over the stanza cap closes that connection only', async () => {
    const ws = await RawWebSocket.open(wsUrl);
    ws.send(`<message xmlns='jabber:client'><body>${'x'.repeat(300 * 1024)}</body></message>`);
    expect((await ws.closed).code).toBe(1009);
    const guest = await connectWebSocketClient({ httpPort: server.httpPort });
    await guest.stop();
  });

  it('a page from a foreign origin is refused; the public URL and a local page are accepted', async () => {
    expect(await refusal(RawWebSocket.open(wsUrl, { headers: { Origin: 'https://evil.example' } }))).toBe(403);
    // A page on another loopback port is a different origin too.
    expect(await refusal(RawWebSocket.open(wsUrl, { headers: { Origin: 'http://127.0.0.1:1' } }))).toBe(403);
    for (const origin of ['http://localhost:5280', `http://127.0.0.1:${server.httpPort}`]) {
      const ws = await RawWebSocket.open(wsUrl, { headers: { Origin: origin } });
      ws.ws.close();
      await ws.closed;
    }
  });

  it('a page reload ends the old session at once, so the same resource signs in again without conflict', async () => {
    const { context } = server.server;
    const closed: string[] = [];
    context.events.on('session-closed', (session) => closed.push(session.jid.toString()));
    const before = context.sessions.count;

    const first = await connectWebSocketClient({ httpPort: server.httpPort, username: 'alice', password: 'alice pw', resource: 'tab' });
    expect(context.sessions.count).toBe(before + 1);
    // A reload drops the socket without any XMPP goodbye.
    await first.disconnect();
    await expect.poll(() => closed, { timeout: 5_000 }).toContain('alice@localhost/tab');
    expect(context.sessions.count).toBe(before);

    const second = await connectWebSocketClient({ httpPort: server.httpPort, username: 'alice', password: 'alice pw', resource: 'tab' });
    const conflicts = closed.filter((jid) => jid === 'alice@localhost/tab').length;
    expect(second.jid!.toString()).toBe('alice@localhost/tab');
    expect(conflicts).toBe(1);
    await second.stop();
  });
});
