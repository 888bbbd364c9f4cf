import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';

const ROSTER = 'jabber:iq:roster';

let server: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  // Without stream management resumption a dropped connection ends its session at once
  // (stream-management.test.ts covers the sessions that wait for their client).
  server = await startTestServer({ limits: { resume_timeout: '0s', guest_resume_timeout: '0s' } });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi']) {
    await addAccount(server, name, `${name}pass`);
  }
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

/** Signs in, fetches the roster (so subscription notices and pushes arrive) and goes online. */
async function online(username?: string, resource?: string, presence = xml('presence')): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort, username, password: username && `${username}pass`, resource });
  open.push(client);
  await client.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })));
  const echoed = nextStanza(client, (s) => s.is('presence') && s.attrs.from === client.jid!.toString());
  await client.send(presence);
  await echoed;
  return client;
}

function presenceFrom(from: string, type?: string) {
  return (s: any) => s.is('presence') && s.attrs.from === from && s.attrs.type === type;
}

function item(client: XmppClient, contact: string) {
  return client.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })))
    .then((iq: any) => iq.getChild('query').getChildren('item').find((i: any) => i.attrs.jid === contact));
}

/** The socket goes away without a stream close, as when a phone loses its network. */
function dropConnection(client: XmppClient): void {
  client.reconnect.stop();
  // After STARTTLS, @xmpp/client wraps the TLS socket; destroy the real one.
  const wrapper = (client as any).socket;
  (wrapper.socket ?? wrapper).destroy();
}

/** Both users' rosters hold each other with subscription 'both', as if they had subscribed. */
function befriend(a: string, b: string): void {
  const rosters = server.server.context.storage.rosters;
  rosters.putItem(`${a}@localhost`, { jid: `${b}@localhost`, subscription: 'both', groups: [] });
  rosters.putItem(`${b}@localhost`, { jid: `${a}@localhost`, subscription: 'both', groups: [] });
}

describe('presence and subscriptions (RFC 6121 §3, §4)', () => {
  it('two account holders subscribe to each other and then see each other come and go', async () => {
    const alice = await online('alice', 'home');
    const bob = await online('bob', 'work');

    // Alice asks; her roster shows the pending request; Bob is asked from her bare JID.
    const asked = nextStanza(bob, (s) => s.is('presence') && s.attrs.type === 'subscribe');
    const pending = nextStanza(alice, (s) => s.is('iq') && s.getChild('query', ROSTER)?.getChild('item')?.attrs.ask === 'subscribe');
    await alice.send(xml('presence', { to: 'bob@localhost', type: 'subscribe' }));
    expect((await asked).attrs.from).toBe('alice@localhost');
    await pending;

    // Bob approves and asks back: Alice sees Bob's presence and is asked in turn.
    const bobSeen = nextStanza(alice, presenceFrom('bob@localhost/work'));
    const approved = nextStanza(alice, (s) => s.is('presence') && s.attrs.type === 'subscribed');
    const askedBack = nextStanza(alice, (s) => s.is('presence') && s.attrs.type === 'subscribe');
    await bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribed' }));
    await bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
    expect((await approved).attrs.from).toBe('bob@localhost');
    await bobSeen;
    expect((await askedBack).attrs.from).toBe('bob@localhost');

    const aliceSeen = nextStanza(bob, presenceFrom('alice@localhost/home'));
    await alice.send(xml('presence', { to: 'bob@localhost', type: 'subscribed' }));
    await aliceSeen;
    expect((await item(alice, 'bob@localhost')).attrs.subscription).toBe('both');
    expect((await item(bob, 'alice@localhost')).attrs.subscription).toBe('both');

    // A status change reaches the contact; going offline says unavailable.
    const away = nextStanza(bob, (s) => presenceFrom('alice@localhost/home')(s) && s.getChildText('show') === 'away');
    await alice.send(xml('presence', {}, xml('show', {}, 'away')));
    await away;
    const gone = nextStanza(bob, presenceFrom('alice@localhost/home', 'unavailable'));
    await alice.send(xml('presence', { type: 'unavailable' }));
    await gone;

    // Coming back, Alice's initial presence probes Bob, whose presence comes back to her.
    const probed = nextStanza(alice, presenceFrom('bob@localhost/work'));
    await alice.send(xml('presence'));
    expect((await probed).attrs.to).toBe('alice@localhost/home');
    await alice.stop();
    await bob.stop();
  });

  it('a request to someone who does not exist is refused', async () => {
    const carol = await online('carol');
    const refused = nextStanza(carol, (s) => s.is('presence') && s.attrs.type === 'unsubscribed');
    await carol.send(xml('presence', { to: 'nobody@localhost', type: 'subscribe' }));
    expect((await refused).attrs.from).toBe('nobody@localhost');
    expect((await item(carol, 'nobody@localhost')).attrs.ask).toBeUndefined();
    await carol.stop();
  });

  it('a request to someone offline is delivered, whole, when they next come online', async () => {
    const dave = await online('dave');
    await dave.send(xml('presence', { to: 'erin@localhost', type: 'subscribe' }, xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Dave')));
    await dave.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const erin = await connectClient({ port: server.c2sPort, username: 'erin', password: 'erinpass' });
    open.push(erin);
    const request = nextStanza(erin, (s) => s.is('presence') && s.attrs.type === 'subscribe');
    await erin.send(xml('presence'));
    const received = await request;
    expect(received.attrs.from).toBe('dave@localhost');
    expect(received.getChildText('nick', 'http://jabber.org/protocol/nick')).toBe('Dave');
    await dave.stop();
    await erin.stop();
  });

  it('a client that vanishes is seen going unavailable by its contacts and by whoever got directed presence', async () => {
    befriend('frank', 'grace');
    const grace = await online('grace');
    const frank = await online('frank', 'desk');
    const guest = await online();
    // Frank shows himself to the guest, who is not in his roster.
    const shown = nextStanza(guest, presenceFrom('frank@localhost/desk'));
    await frank.send(xml('presence', { to: guest.jid!.toString() }));
    await shown;

    const graceSees = nextStanza(grace, presenceFrom('frank@localhost/desk', 'unavailable'));
    const guestSees = nextStanza(guest, presenceFrom('frank@localhost/desk', 'unavailable'));
    dropConnection(frank);
    await Promise.all([graceSees, guestSees]);
    await grace.stop();
    await guest.stop();
  });

  it('a room a guest joined hears the guest leave when the connection drops', async () => {
    // Stands in for the MUC service: records what reaches room JIDs, ahead of any real handler.
    const reached: { from: string; type?: string }[] = [];
    const muc = server.server.context.hosts.ofKind('muc')[0]!;
    muc.on('presence', 'full', (ctx) => {
      if (ctx.to.local === 'watchroom') reached.push({ from: ctx.from.toString(), type: ctx.stanza.attrs.type });
      return ctx.to.local === 'watchroom';
    }, 1000);
    const guest = await online();
    const jid = guest.jid!.toString();
    await guest.send(xml('presence', { to: 'watchroom@conference.localhost/Guest' }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await guest.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(reached).toEqual([{ from: jid, type: undefined }]);
    dropConnection(guest);
    await expect.poll(() => reached[1], { timeout: 5_000 }).toEqual({ from: jid, type: 'unavailable' });
  });

  it('a guest and an account holder subscribe like any two users while the guest is online', async () => {
    const guest = await online();
    const guestJid = guest.jid!.bare().toString();
    const alice = await online('alice', 'guestbook');
    const asked = nextStanza(alice, (s) => s.is('presence') && s.attrs.type === 'subscribe' && s.attrs.from === guestJid);
    await guest.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
    await asked;
    const seen = nextStanza(guest, presenceFrom('alice@localhost/guestbook'));
    await alice.send(xml('presence', { to: guestJid, type: 'subscribed' }));
    await seen;
    expect((await item(guest, 'alice@localhost')).attrs.subscription).toBe('to');

    // Once the guest is gone, a request to its JID is refused: guests exist only while online.
    await guest.stop();
    const refused = nextStanza(alice, (s) => s.is('presence') && s.attrs.type === 'unsubscribed' && s.attrs.from === guestJid);
    await alice.send(xml('presence', { to: guestJid, type: 'subscribe' }));
    await refused;
    await alice.stop();
  });

  it('a request from a guest who has left is dropped rather than shown', async () => {
    const guest = await online();
    const pending = () => server.server.context.storage.rosters.pendingIn('heidi@localhost');
    await guest.send(xml('presence', { to: 'heidi@localhost', type: 'subscribe' }));
    await guest.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(pending()).toHaveLength(1);
    await guest.stop();
    const heidi = await online('heidi');
    expect(pending()).toHaveLength(0);
    await heidi.stop();
  });

  it('a resource with negative priority gets no bare-JID messages; a held message waits for initial presence', async () => {
    const sender = await online('carol', 'sender');
    const quiet = await online('dave', 'quiet', xml('presence', {}, xml('priority', {}, '-5')));
    const late = await connectClient({ port: server.c2sPort, username: 'dave', password: 'davepass', resource: 'late' });
    open.push(late);
    // Nobody of Dave's can take it yet (negative priority, no presence): it waits.
    await sender.send(xml('message', { to: 'dave@localhost', type: 'chat' }, xml('body', {}, 'are you there?')));
    await sender.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    const delivered = nextStanza(late, (s) => s.is('message'));
    await late.send(xml('presence'));
    const message = await delivered;
    expect(message.getChildText('body')).toBe('are you there?');
    expect(message.getChild('delay', 'urn:xmpp:delay')?.attrs.from).toBe('localhost');
    await sender.stop();
    await quiet.stop();
    await late.stop();
  });
});
