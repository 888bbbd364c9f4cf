/** Blocking (XEP-0191) for guests (lists in memory, gone with the guest) and accounts (lists kept across a restart), by domain too. */
import { afterAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import type { Element } from 'ltx';
import { signIn, type RawXmpp } from '../helpers/raw-xmpp.js';

const NS = 'urn:xmpp:blocking';
const servers: TestServer[] = [];
const clients: RawXmpp[] = [];

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const server of servers) await server.stop();
});

async function start(dataDir?: string): Promise<TestServer> {
  const server = await startTestServer({}, dataDir === undefined ? {} : { dataDir });
  servers.push(server);
  return server;
}

async function client(server: TestServer, account?: string): Promise<{ raw: RawXmpp; jid: string }> {
  const signedIn = await signIn(account === undefined ? { port: server.c2sPort } : { port: server.c2sPort, username: account, password: `${account} secret` });
  clients.push(signedIn.raw);
  signedIn.raw.write('<presence/>');
  return signedIn;
}

async function iq(raw: RawXmpp, type: 'get' | 'set', payload: string): Promise<{ type: string; items: string[] }> {
  raw.write(`<iq type='${type}' id='b${Math.random().toString(36).slice(2)}'>${payload}</iq>`);
  const answer = await raw.next('iq');
  if (answer.attrs.type === 'set') return iq(raw, type, payload);
  const list = answer.getChild('blocklist', NS);
  return { type: answer.attrs.type as string, items: list ? list.getChildren('item').map((item) => item.attrs.jid as string) : [] };
}

/** Sends a chat message; returns the condition of the error that comes back, or null when none came. */
async function send(from: RawXmpp, to: string): Promise<string | null> {
  from.write(`<message type='chat' to='${to}' id='m1'><body>hello</body></message>`);
  try {
    const back = await from.next('message', 800);
    return back.getChild('error')?.getChildElements().map((child) => child.name).filter((name) => name !== 'text').sort().join('+') ?? 'message';
  } catch {
    return null;
  }
}

describe('blocking for guests and accounts', () => {
  it('a guest blocks an account: both ways refused; the list lives only as long as the guest', async () => {
    const server = await start();
    await addAccount(server, 'alice', 'alice secret');
    const alice = await client(server, 'alice');
    const guest = await client(server);
    expect((await iq(guest.raw, 'set', `<block xmlns='${NS}'><item jid='alice@localhost'/></block>`)).type).toBe('result');
    expect(await iq(guest.raw, 'get', `<blocklist xmlns='${NS}'/>`)).toEqual({ type: 'result', items: ['alice@localhost'] });
    expect(await send(alice.raw, guest.jid)).toBe('service-unavailable');
    expect(await send(guest.raw, 'alice@localhost')).toBe('blocked+not-acceptable');

    const guests = server.server.context.hosts.get('anon.localhost')!.users.userData;
    const guestBare = guest.jid.split('/')[0]!;
    expect(guests.get(guestBare, NS)).toBeDefined();
    guest.raw.write('</stream:stream>');
    await guest.raw.waitForClose();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(guests.get(guestBare, NS)).toBeUndefined();
  });

  it('an account blocks a whole domain, and its list survives a restart', async () => {
    const first = await start();
    await addAccount(first, 'bob', 'bob secret');
    const bob = await client(first, 'bob');
    const guest = await client(first);
    expect((await iq(bob.raw, 'set', `<block xmlns='${NS}'><item jid='anon.localhost'/></block>`)).type).toBe('result');
    expect(await send(guest.raw, 'bob@localhost')).toBe('service-unavailable');
    expect((await iq(bob.raw, 'set', `<block xmlns='${NS}'><item jid='not a jid@'/></block>`)).type).toBe('error');
    bob.raw.destroy();
    guest.raw.destroy();
    const dataDir = first.dataDir;
    await first.stop();
    servers.splice(servers.indexOf(first), 1);

    const second = await start(dataDir);
    const again = await client(second, 'bob');
    expect(await iq(again.raw, 'get', `<blocklist xmlns='${NS}'/>`)).toEqual({ type: 'result', items: ['anon.localhost'] });
    expect((await iq(again.raw, 'set', `<unblock xmlns='${NS}'/>`)).type).toBe('result');
    expect(await iq(again.raw, 'get', `<blocklist xmlns='${NS}'/>`)).toEqual({ type: 'result', items: [] });
    const guest2 = await client(second);
    expect(await send(guest2.raw, 'bob@localhost')).toBe(null);
  });

  it('contacts see each other go offline on a block and come back on the unblock', async () => {
    const server = await start();
    await addAccount(server, 'carol', 'carol secret');
    await addAccount(server, 'dave', 'dave secret');
    const rosters = server.server.context.storage.rosters;
    rosters.putItem('carol@localhost', { jid: 'dave@localhost', subscription: 'both', groups: [] });
    rosters.putItem('dave@localhost', { jid: 'carol@localhost', subscription: 'both', groups: [] });
    const carol = await client(server, 'carol');
    const dave = await client(server, 'dave');
    // Each sees the other online first.
    expect((await presenceFrom(dave.raw, carol.jid)).attrs.type).toBeUndefined();
    expect((await presenceFrom(carol.raw, dave.jid)).attrs.type).toBeUndefined();

    // Written without waiting for the answer: the presences come before it.
    carol.raw.write(`<iq type='set' id='block'><block xmlns='${NS}'><item jid='dave@localhost'/></block></iq>`);
    expect((await presenceFrom(carol.raw, dave.jid)).attrs.type).toBe('unavailable');
    expect((await presenceFrom(dave.raw, carol.jid)).attrs.type).toBe('unavailable');

    carol.raw.write(`<iq type='set' id='unblock'><unblock xmlns='${NS}'><item jid='dave@localhost'/></unblock></iq>`);
    expect((await presenceFrom(carol.raw, dave.jid)).attrs.type).toBeUndefined();
    expect((await presenceFrom(dave.raw, carol.jid)).attrs.type).toBeUndefined();
  });
});

/** The next presence from `from` (earlier ones from others are skipped). */
async function presenceFrom(raw: RawXmpp, from: string): Promise<Element> {
  for (;;) {
    const presence = await raw.next('presence', 3000);
    if (presence.attrs.from === from) return presence;
  }
}
