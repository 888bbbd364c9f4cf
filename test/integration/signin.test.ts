import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml } from '../helpers/clients.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await addAccount(server, 'alice', 'secret pass');
  await addAccount(server, 'bob', 'bobpass');
});
afterAll(() => server?.stop());

describe('signing in with @xmpp/client', () => {
  it('a guest signs in anonymously and gets a random JID on the anonymous domain', async () => {
    const guest = await connectClient({ port: server.c2sPort });
    const jid = guest.jid!.toString();
    expect(jid).toMatch(/^[a-z2-7]{20,}@anon\.localhost\/.+$/);
    const other = await connectClient({ port: server.c2sPort });
    expect(other.jid!.toString()).not.toBe(jid);
    await guest.stop();
    await other.stop();
  });

  it('an account holder signs in with SCRAM over STARTTLS and exchanges messages', async () => {
    const alice = await connectClient({ port: server.c2sPort, username: 'alice', password: 'secret pass', resource: 'laptop' });
    const bob = await connectClient({ port: server.c2sPort, username: 'bob', password: 'bobpass' });
    expect(alice.jid!.toString()).toBe('alice@localhost/laptop');
    await bob.send(xml('presence'));
    await alice.send(xml('presence'));
    const received = nextStanza(bob, (s) => s.is('message'));
    await alice.send(xml('message', { to: bob.jid!.toString(), type: 'chat' }, xml('body', {}, 'hello bob')));
    const message = await received;
    expect(message.getChildText('body')).toBe('hello bob');
    expect(message.attrs.from).toBe('alice@localhost/laptop');
    await alice.stop();
    await bob.stop();
  });

  it('a wrong password is refused', async () => {
    await expect(connectClient({ port: server.c2sPort, username: 'alice', password: 'wrong' })).rejects.toThrow(/not-authorized/);
  });

  it('a guest pings the server', async () => {
    const guest = await connectClient({ port: server.c2sPort });
    const pong = await guest.iqCaller.request(xml('iq', { type: 'get', to: 'anon.localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(pong.attrs.type).toBe('result');
    await guest.stop();
  });
});
