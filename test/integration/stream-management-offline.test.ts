/**
 * XEP-0198 and offline storage: when an account's only session had messages its client never
 * acknowledged and resumption runs out, those messages are kept offline (RFC 6121 §8.5.2.2.1)
 * and reach the account at its next sign-in with their original <delay/>, instead of
 * bouncing; a guest's words still bounce, and with another session signed in they bounce too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { NS_STANZAS, RawXmpp, signIn } from '../helpers/raw-xmpp.js';

const NS_SM = 'urn:xmpp:sm:3';
const NS_DELAY = 'urn:xmpp:delay';
const PASSWORD = 'sm offline pw';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ limits: { resume_timeout: '1s', guest_resume_timeout: '1s', offline_messages: 10 } });
  await addAccount(server, 'alice', PASSWORD);
  await addAccount(server, 'bob', PASSWORD);
});

afterAll(async () => {
  await server?.stop();
});

const sessionsOf = (user: string) => server.server.context.sessions.of(user);

/** Alice signed in with resumable stream management and available; her connection is then cut. */
async function aliceDropsOut(resource: string): Promise<string> {
  const { raw, jid } = await signIn({ port: server.c2sPort, username: 'alice', password: PASSWORD, resource });
  raw.write(`<enable xmlns='${NS_SM}' resume='true'/>`);
  await raw.next('enabled');
  raw.write('<presence/>');
  await raw.next('presence');
  raw.destroy();
  await expect.poll(() => sessionsOf('alice@localhost').some((s) => s.jid.resource === resource)).toBe(true);
  return jid;
}

async function expired(resource: string): Promise<void> {
  await expect.poll(() => sessionsOf('alice@localhost').some((s) => s.jid.resource === resource), { timeout: 5000 }).toBe(false);
}

describe('stream management sessions that end with unacknowledged messages', () => {
  it('keeps a person\'s message offline when the account has no other session, delivered with its delay at next sign-in', async () => {
    const alice = await aliceDropsOut('phone');
    const bob = await signIn({ port: server.c2sPort, username: 'bob', password: PASSWORD });
    const sentAt = Date.now();
    bob.raw.write(`<message to='${alice}' type='chat' id='kept'><body>while you were away</body></message>`);
    // A chat state is not worth keeping: it comes back as undelivered, as before.
    bob.raw.write(`<message to='${alice}' type='chat' id='state'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await expired('phone');
    expect(server.server.context.storage.offline.count('alice@localhost')).toBe(1);

    const back = await signIn({ port: server.c2sPort, username: 'alice', password: PASSWORD, resource: 'desk' });
    back.raw.write('<presence/>');
    const message = await back.raw.next('message', 5000);
    expect(message.attrs.id).toBe('kept');
    expect(message.getChildText('body')).toBe('while you were away');
    const delays = message.getChildren('delay', NS_DELAY);
    expect(delays).toHaveLength(1);
    expect(delays[0]!.attrs.from).toBe('localhost');
    expect(Math.abs(Date.parse(delays[0]!.attrs.stamp as string) - sentAt)).toBeLessThan(5000);
    // Bob was told of the chat state only.
    bob.raw.write(`<iq type='get' id='sync' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    const errors: string[] = [];
    for (let next = await bob.raw.next(['iq', 'message'], 5000); next.attrs.id !== 'sync'; next = await bob.raw.next(['iq', 'message'], 5000)) {
      if (next.attrs.type === 'error') errors.push(String(next.attrs.id));
    }
    expect(errors).toEqual(['state']);
    back.raw.destroy();
    bob.raw.destroy();
    await expect.poll(() => sessionsOf('alice@localhost').length, { timeout: 5000 }).toBe(0);
  });

  it('keeps the original stamp of an offline message delivered once and never acknowledged', async () => {
    const { raw: bob } = await signIn({ port: server.c2sPort, username: 'bob', password: PASSWORD });
    bob.write(`<message to='alice@localhost' type='chat' id='twice'><body>kept twice</body></message>`);
    await expect.poll(() => server.server.context.storage.offline.count('alice@localhost')).toBe(1);
    const [first] = server.server.context.storage.offline.take('alice@localhost');
    server.server.context.storage.offline.add('alice@localhost', { ...first!, timestamp: Date.UTC(2025, 0, 1) }, 10);

    // Delivered at sign-in (with its delay), never acknowledged, then the connection is lost.
    const { raw, jid } = await signIn({ port: server.c2sPort, username: 'alice', password: PASSWORD, resource: 'tablet' });
    raw.write(`<enable xmlns='${NS_SM}' resume='true'/>`);
    await raw.next('enabled');
    raw.write('<presence/>');
    expect((await raw.next('message', 5000)).getChildText('body')).toBe('kept twice');
    raw.destroy();
    expect(jid).toBe('alice@localhost/tablet');
    await expired('tablet');

    const back = await signIn({ port: server.c2sPort, username: 'alice', password: PASSWORD, resource: 'desk' });
    back.raw.write('<presence/>');
    const message = await back.raw.next('message', 5000);
    expect(message.getChildText('body')).toBe('kept twice');
    expect(message.getChildren('delay', NS_DELAY).map((delay) => delay.attrs.stamp)).toEqual(['2025-01-01T00:00:00.000Z']);
    back.raw.destroy();
    bob.destroy();
    await expect.poll(() => sessionsOf('alice@localhost').length, { timeout: 5000 }).toBe(0);
  });

  it('bounces a guest\'s message, and any message while another session of the account is signed in', async () => {
    const alice = await aliceDropsOut('phone');
    const guest = await signIn({ port: server.c2sPort });
    guest.raw.write(`<message to='${alice}' type='chat' id='from-guest'><body>a guest writes</body></message>`);
    const bounced = await guest.raw.next('message', 5000);
    expect(bounced.attrs.id).toBe('from-guest');
    expect(bounced.getChild('error')?.getChild('recipient-unavailable', NS_STANZAS)).toBeDefined();

    const other = await aliceDropsOut('laptop');
    const stays = await signIn({ port: server.c2sPort, username: 'alice', password: PASSWORD, resource: 'stays' });
    const bob = await signIn({ port: server.c2sPort, username: 'bob', password: PASSWORD });
    bob.raw.write(`<message to='${other}' type='chat' id='other-online'><body>you have another session</body></message>`);
    const back = await bob.raw.next('message', 5000);
    expect(back.attrs.id).toBe('other-online');
    expect(back.getChild('error')?.getChild('recipient-unavailable', NS_STANZAS)).toBeDefined();
    expect(server.server.context.storage.offline.count('alice@localhost')).toBe(0);
    for (const raw of [guest.raw, stays.raw, bob.raw] as RawXmpp[]) raw.destroy();
  });
});
