import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, nextStanza, xml } from '../helpers/clients.js';
import { boshPost, HTTPBIND, httpRequest, RawBosh, XBOSH } from '../helpers/web.js';

let server: TestServer;
let url: string;

beforeAll(async () => {
  server = await startTestServer();
  url = `${server.httpUrl}/http-bind`;
});
afterAll(() => server?.stop());

const PING = "<iq xmlns='jabber:client' type='get' id='p1' to='anon.localhost'><ping xmlns='urn:xmpp:ping'/></iq>";

describe('XMPP over BOSH (XEP-0124, XEP-0206)', () => {
  it('a guest signs in over BOSH and exchanges messages with a TCP user', async () => {
    const bosh = new RawBosh(url);
    const jid = await bosh.signIn();
    expect(jid).toMatch(/@anon\.localhost\//);
    const tcp = await connectClient({ port: server.c2sPort });

    const atTcp = nextStanza(tcp, (s) => s.is('message'));
    // The request is held (hold=1) until the server has something to say.
    const first = bosh.send(`<message xmlns='jabber:client' to='${tcp.jid}' type='chat'><body>hello from BOSH</body></message>`);
    const received = await atTcp;
    expect(received.getChildText('body')).toBe('hello from BOSH');
    expect(received.attrs.from).toBe(jid);

    // A new request releases the held one and is held in its place. It carries a ping: an
    // empty request while the only other one is held would be overactive (XEP-0124 §11).
    const second = bosh.send(PING);
    expect((await first).getChild('iq')?.attrs).toMatchObject({ type: 'result', id: 'p1' });
    await tcp.send(xml('message', { to: jid, type: 'chat' }, xml('body', {}, 'hello from TCP')));
    const message = (await second).getChild('message');
    expect(message?.attrs.xmlns).toBe('jabber:client');
    expect(message?.getChildText('body')).toBe('hello from TCP');
    await tcp.stop();
    await bosh.send('', { type: 'terminate' });
  });

  it('session creation negotiates wait, hold and requests within the configured maxima', async () => {
    const bosh = new RawBosh(url);
    const body = await bosh.create({ wait: '3600', hold: '5', ack: '1' });
    expect(body.attrs.sid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(body.attrs).toMatchObject({ wait: '60', hold: '1', requests: '2', inactivity: '60', ver: '1.11', from: 'anon.localhost', 'xmpp:restartlogic': 'true', ack: String(bosh.rid) });
    expect(Number(body.attrs.polling)).toBeGreaterThan(0);
    expect(body.attrs.authid).toBeTruthy();
    expect(body.getChild('features')?.getChild('mechanisms')?.getChildText('mechanism')).toBe('ANONYMOUS');
    const other = new RawBosh(url);
    expect((await other.create()).attrs.sid).not.toBe(body.attrs.sid);
  });

  it('a repeated rid gets the cached response', async () => {
    const bosh = new RawBosh(url);
    await bosh.signIn();
    bosh.rid += 1;
    const first = await bosh.post(bosh.rid, PING);
    expect(first.body.getChild('iq')?.attrs.type).toBe('result');
    const again = await bosh.post(bosh.rid, PING);
    expect(again.text).toBe(first.text);
  });

  it('an out-of-window rid terminates the session', async () => {
    const sessions = server.server.context.sessions;
    const bosh = new RawBosh(url);
    await bosh.signIn();
    const count = sessions.count;
    const { body } = await bosh.post(bosh.rid + 10, '');
    expect(body.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect(sessions.count).toBe(count - 1);
    expect((await bosh.send()).attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('a rid older than the cached responses terminates the session', async () => {
    const bosh = new RawBosh(url);
    await bosh.signIn();
    const { body } = await bosh.post(bosh.rid - 3, '');
    expect(body.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('a request that overtakes its predecessor waits for it', async () => {
    const bosh = new RawBosh(url);
    await bosh.signIn({ wait: '1' });
    // The later request must be waiting on the server before the earlier one is sent. It is
    // sent twice: a second copy of a waiting rid takes the first one's place, and the first is
    // answered with an empty body. That answer, whichever copy gets it, shows both are there.
    const p2 = PING.replace("id='p1'", "id='p2'");
    const copies = [bosh.post(bosh.rid + 2, p2), bosh.post(bosh.rid + 2, p2)];
    const replaced = await Promise.race(copies.map((copy, index) => copy.then(() => index)));
    expect((await copies[replaced]!).body.children).toHaveLength(0);
    const later = copies[1 - replaced]!;
    const earlier = bosh.post(bosh.rid + 1, PING);
    bosh.rid += 2;
    const bodies = (await Promise.all([earlier, later])).map((result) => result.text).join('');
    // Both were processed, p1 (the lower rid) first, whatever the arrival order.
    expect(bodies).toMatch(/id="p1".*id="p2"/s);
  });

  it('an empty request while every other allowed request is held ends the session with policy-violation (XEP-0124 §11)', async () => {
    const sessions = server.server.context.sessions;
    const bosh = new RawBosh(url);
    await bosh.signIn();
    const count = sessions.count;
    const held = bosh.send();
    const overactive = await bosh.send();
    expect(overactive.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    expect((await held).attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    expect(sessions.count).toBe(count - 1);
  });

  it('a polling session (hold 0) polling again sooner than polling seconds is ended with policy-violation (XEP-0124 §12)', async () => {
    const bosh = new RawBosh(url);
    await bosh.signIn({ hold: '0' });
    // A payload is not a poll, however soon it comes.
    expect((await bosh.send(PING)).getChild('iq')?.attrs.type).toBe('result');
    expect((await bosh.send()).attrs.type).toBeUndefined();
    expect((await bosh.send()).attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
  });

  it('a polling session that waits the polling interval between empty requests is served', async () => {
    const bosh = new RawBosh(url);
    await bosh.signIn({ hold: '0' });
    // Two requests may be open at once if the second carries a payload, an empty one after the polling interval.
    expect((await bosh.send()).attrs.type).toBeUndefined();
    const polling = Number((await new RawBosh(url).create({ hold: '0' })).attrs.polling);
    await new Promise((resolve) => setTimeout(resolve, polling * 1000));
    expect((await bosh.send()).attrs.type).toBeUndefined();
    expect((await bosh.send(PING)).getChild('iq')?.attrs.type).toBe('result');
  });

  it('an unknown sid gets item-not-found', async () => {
    const bosh = new RawBosh(url);
    bosh.sid = 'no-such-session';
    expect((await bosh.send()).attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('a request after terminate gets item-not-found', async () => {
    const sessions = server.server.context.sessions;
    const bosh = new RawBosh(url);
    await bosh.signIn();
    const count = sessions.count;
    const goodbye = await bosh.send("<presence xmlns='jabber:client' type='unavailable'/>", { type: 'terminate' });
    expect(goodbye.attrs.type).toBe('terminate');
    expect(goodbye.attrs.condition).toBeUndefined();
    expect(sessions.count).toBe(count - 1);
    expect((await bosh.send()).attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });

  it('a held request is answered empty when wait runs out', async () => {
    const bosh = new RawBosh(url);
    await bosh.create({ wait: '1' });
    await bosh.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
    const empty = await bosh.send();
    expect(empty.name).toBe('body');
    expect(empty.children).toHaveLength(0);
    expect(empty.attrs.type).toBeUndefined();
  });

  it('a stream error reaches the client in a terminate body', async () => {
    const bosh = new RawBosh(url);
    await bosh.create();
    const body = await bosh.send("<message xmlns='jabber:client' to='x@anon.localhost'/>");
    expect(body.attrs).toMatchObject({ type: 'terminate', condition: 'remote-stream-error' });
    expect(body.getChild('error')?.getChild('not-authorized')).toBeTruthy();
  });

  it('a session for an unknown host is refused with host-unknown', async () => {
    const body = await new RawBosh(url).create({ to: 'elsewhere.example' });
    expect(body.attrs).toMatchObject({ type: 'terminate', condition: 'host-unknown' });
  });

  it('a body that is not XML, or not a BOSH body, is refused with 400', async () => {
    for (const text of ['<body', 'hello', `<foo xmlns='${HTTPBIND}' rid='1'/>`, `<body xmlns='${HTTPBIND}' rid='nope'/>`]) {
      const result = await httpRequest(url, { method: 'POST', body: text });
      expect(result.status).toBe(400);
      expect(result.text).toContain("condition='bad-request'");
    }
  });

  it('a body over the size cap is refused with 413', async () => {
    const big = `<body xmlns='${HTTPBIND}' rid='1' to='anon.localhost' wait='5' hold='1' xmlns:xmpp='${XBOSH}' xmpp:version='1.0'><message xmlns='jabber:client'><body>${'x'.repeat(600 * 1024)}</body></message></body>`;
    const result = await httpRequest(url, { method: 'POST', body: big });
    expect(result.status).toBe(413);
  });

  it('a browser on the public origin passes the CORS preflight; another origin does not', async () => {
    const allowed = await httpRequest(url, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5280', 'Access-Control-Request-Method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5280');
    expect(allowed.headers['access-control-allow-methods']).toContain('POST');
    const refused = await httpRequest(url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const post = await boshPost(url, `<body xmlns='${HTTPBIND}' rid='5' sid='none'/>`, { Origin: 'http://localhost:5280' });
    expect(post.status).toBe(200);
  });
});

describe('BOSH inactivity', () => {
  let quick: TestServer;
  beforeAll(async () => {
    quick = await startTestServer({ http: { bosh_max_inactivity: '1s' } });
  });
  afterAll(() => quick?.stop());

  it('a session with no request open for the inactivity period ends, and its sid is forgotten', async () => {
    const { sessions, events } = quick.server.context;
    const closed: string[] = [];
    events.on('session-closed', (session) => closed.push(session.jid.toString()));
    const bosh = new RawBosh(`${quick.httpUrl}/http-bind`);
    const jid = await bosh.signIn();
    expect(sessions.count).toBe(1);
    await expect.poll(() => closed, { timeout: 5_000 }).toContain(jid);
    expect(sessions.count).toBe(0);
    expect((await bosh.send()).attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
  });
});
