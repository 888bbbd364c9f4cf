/**
 * Hostile guests sending one-to-one messages ([limits].messages_per_minute, modules/message-rate.ts),
 * with @xmpp/client: a flood of direct messages or private messages through a room. Each case
 * ends with innocent users, connected throughout, still chatting with each other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  errorCondition, guest, join, roomJid, say, settle, signIn, startMucServer, stopAll, xml, type Stanza, type User,
} from '../integration/muc-helpers.js';

const TOO_FAST = 'You are sending messages too fast; wait a few seconds.';
const PER_MINUTE = 20;

let server: TestServer;
let alice: User;
let bob: User;
const others: User[] = [];
let said = 0;

beforeAll(async () => {
  server = await startMucServer({ limits: { messages_per_minute: PER_MINUTE } });
  alice = await guest(server);
  bob = await signIn(server, 'bob');
});
afterAll(async () => {
  await stopAll(alice, bob, ...others);
  await server?.stop();
});

async function newGuest(): Promise<User> {
  const user = await guest(server);
  others.push(user);
  return user;
}

function chat(to: string, body: string, id?: string): Stanza {
  return xml('message', { to, type: 'chat', id }, xml('body', {}, body));
}

/** Alice (a guest) and Bob (an account) still reach each other, with no error. */
async function innocentsStillChat(): Promise<void> {
  const body = `still here ${++said}`;
  const heard = bob.inbox.next((s) => s.is('message') && s.attrs.from === alice.jid && s.getChildText('body') === body);
  await alice.client.send(chat(bob.jid, body));
  await heard;
  const answer = `${body}, me too`;
  const heardBack = alice.inbox.next((s) => s.is('message') && s.attrs.from === bob.jid && s.getChildText('body') === answer);
  await bob.client.send(chat(alice.jid, answer));
  await heardBack;
  expect(alice.inbox.has((s) => s.attrs.type === 'error') || bob.inbox.has((s) => s.attrs.type === 'error')).toBe(false);
}

function isTooFast(stanza: Stanza): boolean {
  const error = stanza.getChild('error');
  return stanza.is('message') && stanza.attrs.type === 'error' && error?.attrs.type === 'wait' &&
    errorCondition(stanza) === 'policy-violation' && error.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas') === TOO_FAST;
}

/** At most the burst (a minute's worth) plus what refills while the flood lasts, and one for rounding. */
function allowance(startedAt: number): number {
  return PER_MINUTE + Math.ceil(((performance.now() - startedAt) / 60_000) * PER_MINUTE) + 1;
}

describe('a guest flooding someone with messages', () => {
  it('sends 200 at once: the recipient gets at most the allowed number, every other one comes back as a wait policy-violation', async () => {
    const flooder = await newGuest();
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: 200 }, (_, i) => flooder.client.send(chat(bob.jid, `spam ${i}`, `spam${i}`))));
    await settle(flooder);
    const bound = allowance(startedAt);
    await settle(bob);

    const received = bob.inbox.take((s) => s.is('message') && s.attrs.from === flooder.jid && s.getChildText('body')?.startsWith('spam ')).length;
    expect(received).toBeGreaterThanOrEqual(PER_MINUTE);
    expect(received).toBeLessThanOrEqual(bound);
    const refused = flooder.inbox.take((s) => s.is('message') && s.attrs.type === 'error');
    expect(refused.length).toBe(200 - received);
    expect(refused.every(isTooFast)).toBe(true);
    // The error names the refused message and goes to the flooder alone.
    expect(refused.every((s) => s.attrs.id?.startsWith('spam') && s.attrs.to === flooder.jid)).toBe(true);
    expect(flooder.client.status).toBe('online');
    await innocentsStillChat();
  });

  it('typing notifications count too, and errors sent past the limit are dropped without an answer', async () => {
    const flooder = await newGuest();
    await Promise.all(Array.from({ length: 60 }, () => flooder.client.send(xml('message', { to: alice.jid, type: 'chat' },
      xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })))));
    await Promise.all(Array.from({ length: 20 }, (_, i) => flooder.client.send(xml('message', { to: alice.jid, type: 'error', id: `e${i}` },
      xml('error', { type: 'cancel' }, xml('undefined-condition', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))))));
    await settle(flooder);
    await settle(alice);
    const states = alice.inbox.take((s) => s.is('message') && s.attrs.from === flooder.jid);
    expect(states.length).toBeGreaterThanOrEqual(PER_MINUTE);
    expect(states.length).toBeLessThan(60);
    expect(states.some((s) => s.attrs.type === 'error')).toBe(false); // no token was left for them
    const refused = flooder.inbox.take((s) => s.is('message') && s.attrs.type === 'error');
    expect(refused.length).toBe(60 - states.length);
    expect(refused.every((s) => s.attrs.id === undefined || !s.attrs.id.startsWith('e'))).toBe(true);
    await innocentsStillChat();
  });

  it('private messages through a room share the count, groupchat does not (the room has its own flood limit)', async () => {
    const flooder = await newGuest();
    await join(alice, 'parlour', 'alice');
    await join(flooder, 'parlour', 'flooder');
    await Promise.all(Array.from({ length: PER_MINUTE }, (_, i) => flooder.client.send(chat(bob.jid, `direct ${i}`))));
    await settle(flooder);
    expect(flooder.inbox.has((s) => s.attrs.type === 'error')).toBe(false);

    // The bucket is empty: a private message to an occupant is refused like a direct one.
    const refused = flooder.inbox.next((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'pm');
    await flooder.client.send(xml('message', { to: `${roomJid('parlour')}/alice`, type: 'chat', id: 'pm' }, xml('body', {}, 'psst')));
    expect(isTooFast(await refused)).toBe(true);
    await settle(alice);
    expect(alice.inbox.has((s) => s.getChildText('body') === 'psst')).toBe(false);

    // The room still hears the flooder: groupchat is the room's to limit.
    const heard = alice.inbox.next((s) => s.is('message') && s.attrs.type === 'groupchat' && s.getChildText('body') === 'hello room');
    await say(flooder, 'parlour', 'hello room');
    await heard;
    await innocentsStillChat();
  });

  it('an account holder is limited over all its resources together', async () => {
    const first = await signIn(server, 'carol', 'one');
    const second = await signIn(server, 'carol', 'two');
    others.push(first, second);
    for (const [user, from] of [[first, 0], [second, PER_MINUTE / 2]] as const) {
      await Promise.all(Array.from({ length: PER_MINUTE / 2 }, (_, i) => user.client.send(chat(alice.jid, `carol ${from + i}`))));
      await settle(user);
    }
    const refused = second.inbox.next((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'over');
    await second.client.send(chat(alice.jid, 'one too many', 'over'));
    expect(isTooFast(await refused)).toBe(true);
    await settle(alice);
    expect(alice.inbox.take((s) => s.getChildText('body')?.startsWith('carol ')).length).toBe(PER_MINUTE);
    await innocentsStillChat();
  });

  it('a reload with a new limit applies to the next messages, starting everyone afresh', async () => {
    const { config, events } = server.server.context;
    const reloadWith = (perMinute: number) => {
      const previous = structuredClone(config);
      config.limits.messages_per_minute = perMinute;
      events.emit('config-reloaded', { previous, current: config, applied: ['limits.messages_per_minute'], needsRestart: [] });
    };
    const sender = await newGuest();
    reloadWith(1);
    try {
      await sender.client.send(chat(alice.jid, 'allowed'));
      const refused = sender.inbox.next((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'second');
      await sender.client.send(chat(alice.jid, 'refused', 'second'));
      expect(isTooFast(await refused)).toBe(true);
      reloadWith(0); // no limit
      await Promise.all(Array.from({ length: 3 * PER_MINUTE }, (_, i) => sender.client.send(chat(alice.jid, `free ${i}`))));
      await settle(sender);
      expect(sender.inbox.has((s) => s.attrs.type === 'error')).toBe(false);
    } finally {
      reloadWith(PER_MINUTE);
    }
    await settle(alice);
    alice.inbox.clear();
    await innocentsStillChat();
  });
});
