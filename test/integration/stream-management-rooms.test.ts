import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { connectWebSocketClient } from '../helpers/web.js';
import { guest, Inbox, join, presenceFrom, groupchatFrom, roomJid, say, startMucServer, type Stanza, type User } from './muc-helpers.js';

/** XEP-0198 with @xmpp/client (stream management built in): guests in rooms keep their place. */

let server: TestServer;
const users: User[] = [];

beforeAll(async () => {
  server = await startMucServer({ limits: { guest_resume_timeout: '3s' } });
});

afterAll(async () => {
  await Promise.all(users.map((user) => user.client.stop().catch(() => {})));
  await server?.stop();
});

async function newGuest(): Promise<User> {
  const user = await guest(server);
  users.push(user);
  return user;
}

/** The client's TCP connection dies without a goodbye (a phone losing its network). */
function cutConnection(user: User): void {
  // After STARTTLS @xmpp/client wraps the TLS socket; destroy the real one.
  const wrapper = (user.client as unknown as { socket: { socket?: { destroy(): void }; destroy(): void } }).socket;
  (wrapper.socket ?? wrapper).destroy();
}

function streamManagement(user: User): { id: string; enabled: boolean; once(event: string, listener: () => void): void } {
  return (user.client as unknown as { streamManagement: { id: string; enabled: boolean; once(event: string, listener: () => void): void } }).streamManagement;
}

function departures(stanzas: Stanza[], room: string, nick: string): Stanza[] {
  return stanzas.filter(presenceFrom(room, nick, 'unavailable'));
}

describe('a guest with stream management in a room', () => {
  it('resumes after its connection is cut, keeps its nickname, and gets what was said meanwhile', async () => {
    const anna = await newGuest();
    const ben = await newGuest();
    await join(anna, 'sm-resume', 'anna');
    await join(ben, 'sm-resume', 'ben');
    expect(streamManagement(anna).enabled).toBe(true);
    expect(streamManagement(anna).id).not.toBe('');
    const seenByBen: Stanza[] = [];
    ben.client.on('stanza', (stanza: Stanza) => seenByBen.push(stanza));
    const sessionsBefore = server.server.context.sessions.count;

    const resumed = new Promise<void>((resolve) => streamManagement(anna).once('resumed', resolve));
    cutConnection(anna);
    await say(ben, 'sm-resume', 'said while anna was away');
    // @xmpp/client reconnects by itself, signs in anew and resumes.
    await resumed;
    await anna.inbox.next(groupchatFrom('sm-resume', 'ben', 'said while anna was away'));
    expect(anna.client.jid!.toString()).toBe(anna.jid);
    expect(server.server.context.sessions.count).toBe(sessionsBefore);

    await say(anna, 'sm-resume', 'anna is still here');
    await ben.inbox.next(groupchatFrom('sm-resume', 'anna', 'anna is still here'));
    // Ben saw neither a departure nor a new arrival of anna.
    expect(departures(seenByBen, 'sm-resume', 'anna')).toEqual([]);
    expect(seenByBen.filter(presenceFrom('sm-resume', 'anna'))).toEqual([]);
  });

  it('resumes over WebSocket too, after the socket closes without an XMPP goodbye', async () => {
    const client = await connectWebSocketClient({ httpPort: server.httpPort });
    const jid = client.jid!.toString();
    const fay: User = { client, inbox: new Inbox(client), jid, bare: jid.split('/')[0]! };
    users.push(fay);
    const gus = await newGuest();
    await join(fay, 'sm-websocket', 'fay');
    await join(gus, 'sm-websocket', 'gus');
    const resumed = new Promise<void>((resolve) => streamManagement(fay).once('resumed', resolve));
    // A browser tab's network going away: the WebSocket closes, no <close/> was sent.
    (client as unknown as { socket: { socket: { close(): void } } }).socket.socket.close();
    await say(gus, 'sm-websocket', 'for fay, over WebSocket');
    await resumed;
    await fay.inbox.next(groupchatFrom('sm-websocket', 'gus', 'for fay, over WebSocket'));
    expect(client.jid!.toString()).toBe(jid);
    expect(gus.inbox.has(presenceFrom('sm-websocket', 'fay', 'unavailable'))).toBe(false);
  });

  it('leaves the room when it does not come back in time: the others see it go, no ghost stays', async () => {
    const cara = await newGuest();
    const dan = await newGuest();
    await join(cara, 'sm-expiry', 'cara');
    await join(dan, 'sm-expiry', 'dan');
    cara.client.reconnect.stop();
    const started = Date.now();
    cutConnection(cara);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Still in the room meanwhile: nobody saw cara leave.
    expect(dan.inbox.has(presenceFrom('sm-expiry', 'cara', 'unavailable'))).toBe(false);
    await dan.inbox.next(presenceFrom('sm-expiry', 'cara', 'unavailable'), 6000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(server.server.context.sessions.of(cara.bare)).toEqual([]);
    // The nickname is free again.
    const erin = await newGuest();
    const self = await join(erin, 'sm-expiry', 'cara');
    expect(self.attrs.type).toBeUndefined();
    expect(self.attrs.from).toBe(`${roomJid('sm-expiry')}/cara`);
  });
});
