import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Element } from 'ltx';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { NS_STANZAS, RawXmpp, scramAuth, signIn } from '../helpers/raw-xmpp.js';

const NS_SM = 'urn:xmpp:sm:3';
const PASSWORD = 'sm test pw';

let server: TestServer;

beforeAll(async () => {
  // No one-to-one message rate: a test fills a session's queue from one sender.
  server = await startTestServer({ limits: { resume_timeout: '5s', guest_resume_timeout: '2s', read_rate: '4MiB', messages_per_minute: 0 } });
  await addAccount(server, 'alice', PASSWORD);
  await addAccount(server, 'bob', PASSWORD);
});

afterAll(async () => {
  await server?.stop();
});

/** Signs in as an account (or a guest) and enables stream management with resumption. */
async function enabledClient(username?: string, resource?: string): Promise<{ raw: RawXmpp; jid: string; id: string }> {
  const { raw, jid } = await signIn({ port: server.c2sPort, username, password: PASSWORD, resource });
  raw.write(`<enable xmlns='${NS_SM}' resume='true'/>`);
  const enabled = await raw.next('enabled');
  expect(enabled.attrs.xmlns).toBe(NS_SM);
  return { raw, jid, id: enabled.attrs.id as string };
}

/** A new connection signed in as the same account (or a new guest), up to the point of binding. */
async function authenticated(username?: string): Promise<{ raw: RawXmpp; features: Element }> {
  const raw = await RawXmpp.connect({ port: server.c2sPort });
  const to = username === undefined ? 'anon.localhost' : 'localhost';
  await raw.open({ to });
  if (username === undefined) return { raw, features: await raw.authAnonymous(to) };
  const outcome = await scramAuth(raw, username, PASSWORD);
  expect(outcome.success).toBe(true);
  return { raw, features: await raw.open({ to }) };
}

function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(poll, 20);
    };
    poll();
  });
}

describe('XEP-0198 stream management', () => {
  it('is offered after authentication and answers acks', async () => {
    const { raw, features } = await authenticated('alice');
    expect(features.getChild('sm', NS_SM)).toBeDefined();
    raw.write(`<enable xmlns='${NS_SM}'/>`);
    const early = await raw.next('failed');
    expect(early.getChild('unexpected-request', NS_STANZAS)).toBeDefined();
    await raw.bind('acks');
    raw.write(`<enable xmlns='${NS_SM}'/>`);
    const enabled = await raw.next('enabled');
    expect(enabled.attrs.id).toBeUndefined();
    raw.write(`<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await raw.next('iq');
    // The server asks for an ack after sending the result.
    await raw.next('r');
    raw.write(`<r xmlns='${NS_SM}'/>`);
    const ack = await raw.next('a');
    expect(ack.attrs.h).toBe('1');
    raw.write(`<a xmlns='${NS_SM}' h='1'/>`);
    raw.write(`<a xmlns='${NS_SM}' h='7'/>`);
    const error = await raw.expectStreamError();
    expect(error.condition).toBe('undefined-condition');
    expect(error.appCondition).toBe(`handled-count-too-high ${NS_SM}`);
  });

  it('resumes an account session after the connection is cut, with what was sent meanwhile', async () => {
    const alice = await enabledClient('alice', 'phone');
    const bob = await signIn({ port: server.c2sPort, username: 'bob', password: PASSWORD });
    alice.raw.write(`<presence/>`);
    await alice.raw.next('presence');
    alice.raw.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    bob.raw.write(`<message to='${alice.jid}' type='chat' id='m1'><body>while you were away</body></message>`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.server.context.sessions.of('alice@localhost')).toHaveLength(1);

    const { raw } = await authenticated('alice');
    raw.write(`<resume xmlns='${NS_SM}' previd='${alice.id}' h='0'/>`);
    const resumed = await raw.next('resumed');
    expect(resumed.attrs.previd).toBe(alice.id);
    expect(resumed.attrs.h).toBe('1');
    const message = await raw.next('message');
    expect(message.getChildText('body')).toBe('while you were away');
    // The session is the same bound resource: stanzas go on as before.
    raw.write(`<iq type='get' id='after' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    expect((await raw.next('iq')).attrs.id).toBe('after');
    raw.write('</stream:stream>');
    bob.raw.destroy();
  });

  it('refuses an unknown id, another user\'s id, and an ack of stanzas never sent', async () => {
    const alice = await enabledClient('alice', 'refusals');
    const unknown = await authenticated('alice');
    unknown.raw.write(`<resume xmlns='${NS_SM}' previd='nonsense' h='0'/>`);
    expect((await unknown.raw.next('failed')).getChild('item-not-found', NS_STANZAS)).toBeDefined();
    // After <failed/>, the client may bind a new session on the same stream.
    await unknown.raw.bind();
    unknown.raw.write('</stream:stream>');

    const bob = await authenticated('bob');
    bob.raw.write(`<resume xmlns='${NS_SM}' previd='${alice.id}' h='0'/>`);
    expect((await bob.raw.next('failed')).getChild('item-not-found', NS_STANZAS)).toBeDefined();
    bob.raw.write('</stream:stream>');

    alice.raw.destroy();
    const again = await authenticated('alice');
    again.raw.write(`<resume xmlns='${NS_SM}' previd='${alice.id}' h='99'/>`);
    const failed = await again.raw.next('failed');
    expect(failed.getChild('undefined-condition', NS_STANZAS)).toBeDefined();
    expect(failed.getChild('handled-count-too-high', NS_SM)).toBeDefined();
    // That session is over.
    expect(server.server.context.sessions.of('alice@localhost').some((s) => s.jid.resource === 'refusals')).toBe(false);
    again.raw.write('</stream:stream>');
  });

  it('takes the session from a connection that is still open, which gets <conflict/>', async () => {
    const alice = await enabledClient('alice', 'twice');
    const { raw } = await authenticated('alice');
    raw.write(`<resume xmlns='${NS_SM}' previd='${alice.id}' h='0'/>`);
    await raw.next('resumed');
    expect((await alice.raw.expectStreamError()).condition).toBe('conflict');
    expect(server.server.context.sessions.of('alice@localhost').filter((s) => s.jid.resource === 'twice')).toHaveLength(1);
    raw.write('</stream:stream>');
  });

  it('ends a session whose client never comes back, bouncing what it did not acknowledge', async () => {
    const guest = await enabledClient();
    guest.raw.write('<presence/>');
    await guest.raw.next('presence');
    const bob = await signIn({ port: server.c2sPort, username: 'bob', password: PASSWORD });
    guest.raw.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    bob.raw.write(`<message to='${guest.jid}' type='chat' id='lost'><body>anyone?</body></message>`);
    const bounced = await bob.raw.next('message', 5000);
    expect(bounced.attrs.type).toBe('error');
    expect(bounced.attrs.id).toBe('lost');
    expect(bounced.getChild('error')?.getChild('recipient-unavailable', NS_STANZAS)).toBeDefined();
    expect(server.server.context.sessions.of(guest.jid.split('/')[0]!)).toHaveLength(0);
    const late = await authenticated();
    late.raw.write(`<resume xmlns='${NS_SM}' previd='${guest.id}' h='0'/>`);
    expect((await late.raw.next('failed')).getChild('item-not-found', NS_STANZAS)).toBeDefined();
    late.raw.destroy();
    bob.raw.destroy();
  });

  it('cuts off a client that never acknowledges, past the queue cap, and bounces what it never acknowledged', async () => {
    // What earlier tests' sessions left unacknowledged is offline now: start from none.
    server.server.context.storage.offline.take('alice@localhost');
    const alice = await enabledClient('alice', 'silent');
    const bob = await signIn({ port: server.c2sPort, username: 'bob', password: PASSWORD });
    const body = 'x'.repeat(200);
    let sent = '';
    for (let i = 0; i < 1005; i++) sent += `<message to='${alice.jid}' type='chat' id='m${i}'><body>${body}</body></message>`;
    bob.raw.write(sent);
    const error = await alice.raw.expectStreamError(10_000);
    expect(error.condition).toBe('policy-violation');
    await waitUntil(() => !server.server.context.sessions.of('alice@localhost').some((s) => s.jid.resource === 'silent'));
    // Alice has no other session: the first ones are kept offline (up to [limits].offline_messages,
    // 100 by default), the rest (queued, never acknowledged, or past the queue cap) come back to bob.
    await bob.raw.waitFor(/<message[^>]*type="error"[^>]*id="m100"[\s\S]*?recipient-unavailable/, { timeoutMs: 10_000 });
    await bob.raw.waitFor(/<message[^>]*type="error"[^>]*id="m1004"[\s\S]*?recipient-unavailable/, { timeoutMs: 10_000 });
    expect(bob.raw.received).not.toMatch(/<message[^>]*type="error"[^>]*id="m0"/);
    const kept = server.server.context.storage.offline.take('alice@localhost');
    expect(kept).toHaveLength(100);
    expect(kept[0]!.stanza).toContain('id="m0"');
    bob.raw.destroy();
  });
});
