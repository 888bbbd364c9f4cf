import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import type { Session } from '../../server/core/session.js';

/**
 * A bug in one feature must not take the server down: handlers run inside socket callbacks,
 * where an uncaught exception would end the process and every other user's session with it.
 */

let server: TestServer;
const open: XmppClient[] = [];
/** Which faulty handlers actually threw: a test that never reaches its bug proves nothing. */
const thrown: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const hosts = server.server.context.hosts;
  // Faulty features, triggered only by the marker so the rest of the server behaves normally.
  for (const kind of ['message', 'presence'] as const) {
    hosts.get('localhost')!.on(kind, 'bare', (ctx) => {
      if (ctx.stanza.getChild('status')?.getText() === 'boom' || ctx.stanza.getChildText('body') === 'boom') {
        thrown.push(kind);
        throw new Error(`a ${kind} handler bug`);
      }
    }, 1000);
  }
  server.server.context.streamExtensions.handleNonzas('urn:test:boom', () => {
    throw new Error('a stream-level handler bug');
  });
  hosts.get('localhost')!.on('iq', 'bare', (ctx) => {
    if (ctx.stanza.attrs.type === 'result' && ctx.stanza.attrs.id === 'boom') {
      thrown.push('iq');
      throw new Error('an iq chain bug');
    }
  }, 1000);
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

async function guest(): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort });
  open.push(client);
  return client;
}

async function stillServed(client: XmppClient): Promise<void> {
  const pong = await client.iqCaller.request(xml('iq', { type: 'get', to: 'anon.localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  expect(pong.attrs.type).toBe('result');
}

describe('a feature that throws', () => {
  it('answers the sender of a message with internal-server-error and keeps everyone connected', async () => {
    const sender = await guest();
    const bystander = await guest();
    const error = nextStanza(sender, (s) => s.is('message') && s.attrs.type === 'error');
    await sender.send(xml('message', { to: 'nobody@localhost', type: 'chat', id: 'm1' }, xml('body', {}, 'boom')));
    const reply = await error;
    expect(reply.attrs.id).toBe('m1');
    expect(reply.getChild('error').getChild('internal-server-error')).toBeDefined();
    await stillServed(sender);
    await stillServed(bystander);
  });

  it('drops a presence that made a handler throw, and the sender stays signed in', async () => {
    const sender = await guest();
    await sender.send(xml('presence', { to: 'nobody@localhost' }, xml('status', {}, 'boom')));
    await stillServed(sender);
    expect(thrown).toContain('presence');
    await stillServed(await guest());
  });

  it('survives an iq result that made a handler throw', async () => {
    const sender = await guest();
    await sender.send(xml('iq', { to: 'nobody@localhost', type: 'result', id: 'boom' }));
    await stillServed(sender);
    expect(thrown).toContain('iq');
  });

  it('still runs the other clean-ups when one session-closed listener throws', async () => {
    const events = server.server.context.events;
    const closed: Session[] = [];
    events.on('session-closed', () => {
      throw new Error('a clean-up bug');
    });
    events.on('session-closed', (session) => closed.push(session));

    const leaving = await guest();
    const jid = leaving.jid!.toString();
    open.splice(open.indexOf(leaving), 1);
    await leaving.stop();
    await expect.poll(() => closed.map((session) => session.jid.toString())).toContain(jid);
    expect(server.server.context.sessions.isOnline(closed.find((s) => s.jid.toString() === jid)!.bare)).toBe(false);
    await stillServed(await guest());
  });

  it('ends only the offending stream with internal-server-error when a stream-level handler throws', async () => {
    const offender = await guest();
    const bystander = await guest();
    const streamError = new Promise<string>((resolve) => {
      offender.on('error', (error: Error & { condition?: string }) => resolve(String(error.condition)));
    });
    await offender.send(xml('boom', { xmlns: 'urn:test:boom' }));
    expect(await streamError).toBe('internal-server-error');
    await stillServed(bystander);
  });
});
