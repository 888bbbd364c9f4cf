/**
 * Hostile guests in rooms: floods of messages and presence changes, nicknames that pass for
 * someone else's, and rooms entered before their creator configured them. Every case ends
 * with an innocent occupant, connected throughout, still chatting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  errorCondition, guest, hasStatus, iq, instantRoom, join, MUC, NS_MUC_OWNER, presenceFrom, roomJid, say, signIn,
  startMucServer, stopAll, xml, type Stanza, type User,
} from '../integration/muc-helpers.js';

const TOO_FAST_MESSAGES = 'You are sending messages too fast; wait a few seconds.';
const TOO_FAST_PRESENCE = 'You are changing your presence too fast; wait a few seconds.';
// The defaults, except messages: the innocent speaks once per case, faster than the default of
// one a second when the cases run back to back.
const MESSAGE_BURST = 10;
const MESSAGES_PER_MINUTE = 180;
const PRESENCE_BURST = 5;
const PRESENCE_PER_MINUTE = 12;

let server: TestServer;
let owner: User;
let innocent: User;
let watcher: User;
const others: User[] = [];
let said = 0;

beforeAll(async () => {
  server = await startMucServer({ muc: { messages_per_minute: MESSAGES_PER_MINUTE } });
  // The owner (an account, moderator) creates the room; the innocent and the watcher are guests.
  owner = await signIn(server, 'owner');
  await join(owner, 'commons', 'Owner');
  innocent = await guest(server);
  await join(innocent, 'commons', 'alice');
  watcher = await guest(server);
  await join(watcher, 'commons', 'Watcher');
});
afterAll(async () => {
  await stopAll(owner, innocent, watcher, ...others);
  await server?.stop();
});

async function newGuest(): Promise<User> {
  const user = await guest(server);
  others.push(user);
  return user;
}

/**
 * A ping round trip on the user's own connection: every stanza the server wrote to it before
 * the answer has arrived, so a check that something did not come does not race the server.
 */
async function settled(user: User): Promise<void> {
  await iq(user, 'get', 'localhost', xml('ping', { xmlns: 'urn:xmpp:ping' }));
}

/** The innocent occupant speaks and the watcher hears it, with no error for the innocent. */
async function innocentStillChats(): Promise<void> {
  const body = `still here ${++said}`;
  const heard = watcher.inbox.next((s) => s.is('message') && s.attrs.from === `${roomJid('commons')}/alice` && s.getChildText('body') === body);
  const echo = innocent.inbox.next((s) => s.is('message') && s.getChildText('body') === body);
  await say(innocent, 'commons', body);
  const [reflected] = await Promise.all([echo, heard]);
  expect(reflected.attrs.type).toBe('groupchat');
}

function isWaitPolicyViolation(stanza: Stanza, text: string): boolean {
  const error = stanza.getChild('error');
  return stanza.attrs.type === 'error' && error?.attrs.type === 'wait' && errorCondition(stanza) === 'policy-violation' &&
    error.getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas') === text;
}

/** At most the burst plus what the rate refills while the flood lasts (and one for rounding). */
function allowance(burst: number, perMinute: number, startedAt: number): number {
  return burst + Math.ceil(((performance.now() - startedAt) / 60_000) * perMinute) + 1;
}

describe('a guest flooding a room', () => {
  it('sends 300 messages at once: the rest get a wait error, the others receive at most the allowed number, the archive keeps no more', async () => {
    const flooder = await newGuest();
    await join(flooder, 'commons', 'Flooder');
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: 300 }, (_, i) =>
      flooder.client.send(xml('message', { to: roomJid('commons'), type: 'groupchat', id: `flood${i}` }, xml('body', {}, `spam ${i}`)))));
    await settled(flooder);
    const bound = allowance(MESSAGE_BURST, MESSAGES_PER_MINUTE, startedAt);
    await settled(watcher);

    const fromFlooder = (s: Stanza) => s.is('message') && s.attrs.from === `${roomJid('commons')}/Flooder` && s.getChildText('body')?.startsWith('spam ');
    const received = watcher.inbox.take(fromFlooder).length;
    expect(received).toBeGreaterThanOrEqual(MESSAGE_BURST);
    expect(received).toBeLessThanOrEqual(bound);
    const refused = flooder.inbox.take((s) => s.is('message') && s.attrs.type === 'error');
    expect(refused.every((s) => isWaitPolicyViolation(s, TOO_FAST_MESSAGES))).toBe(true);
    expect(refused.length + flooder.inbox.take(fromFlooder).length).toBe(300);
    expect(refused.length).toBe(300 - received);

    const archived = await archivedBodies(innocent, 'commons');
    expect(archived.filter((body) => body.startsWith('spam ')).length).toBe(received);
    await innocentStillChats();
  });

  it('chat states past the limit are dropped quietly, without an error for each', async () => {
    const typist = await newGuest();
    await join(typist, 'commons', 'Typist');
    await Promise.all(Array.from({ length: 50 }, () => typist.client.send(xml('message', { to: roomJid('commons'), type: 'groupchat' },
      xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })))));
    await settled(typist);
    await settled(watcher);
    const states = watcher.inbox.take((s) => s.is('message') && s.attrs.from === `${roomJid('commons')}/Typist`).length;
    expect(states).toBeGreaterThan(0);
    expect(states).toBeLessThan(50);
    expect(typist.inbox.has((s) => s.attrs.type === 'error')).toBe(false);
    await innocentStillChats();
  });

  it('changes presence 100 times: the others see at most the allowed number, the rest get a wait error', async () => {
    const flooder = await newGuest();
    await join(flooder, 'commons', 'Flicker');
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: 100 }, (_, i) =>
      flooder.client.send(xml('presence', { to: `${roomJid('commons')}/Flicker`, id: `p${i}` },
        xml('show', {}, i % 2 ? 'away' : 'dnd'), xml('status', {}, `mood ${i}`)))));
    await settled(flooder);
    const bound = allowance(PRESENCE_BURST, PRESENCE_PER_MINUTE, startedAt);
    await settled(watcher);

    const seen = watcher.inbox.take(presenceFrom('commons', 'Flicker')).length;
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(bound);
    const refused = flooder.inbox.take((s) => s.is('presence') && s.attrs.type === 'error');
    expect(refused.length).toBeGreaterThanOrEqual(100 - bound);
    expect(refused.every((s) => isWaitPolicyViolation(s, TOO_FAST_PRESENCE))).toBe(true);

    // The limit is the flooder's alone: the innocent changes status and the watcher sees it.
    const update = watcher.inbox.next((s) => presenceFrom('commons', 'alice')(s) && s.getChildText('status') === 'brb');
    await innocent.client.send(xml('presence', { to: `${roomJid('commons')}/alice` }, xml('show', {}, 'away'), xml('status', {}, 'brb')));
    await update;
    await innocentStillChats();
  });

  it('leaving and rejoining does not refill the presence budget', async () => {
    const flooder = await newGuest();
    const outcomes: string[] = [];
    for (let i = 0; i < PRESENCE_BURST + 3; i++) {
      const presence = await join(flooder, 'commons', 'Revolver', { untilSubject: false });
      if (presence.attrs.type === 'error') {
        expect(isWaitPolicyViolation(presence, TOO_FAST_PRESENCE)).toBe(true);
        outcomes.push('refused');
        break;
      }
      outcomes.push('joined');
      const gone = flooder.inbox.next((s) => presenceFrom('commons', 'Revolver', 'unavailable')(s) && hasStatus(s, 110));
      await flooder.client.send(xml('presence', { to: `${roomJid('commons')}/Revolver`, type: 'unavailable' }));
      await gone;
    }
    expect(outcomes.at(-1)).toBe('refused');
    expect(outcomes.length).toBeLessThanOrEqual(PRESENCE_BURST + 2);
    await innocentStillChats();
  });

  it('a moderator is not limited', async () => {
    const bodies = Array.from({ length: 3 * MESSAGE_BURST }, (_, i) => `announcement ${i}`);
    await Promise.all(bodies.map((body) => say(owner, 'commons', body)));
    await settled(owner);
    await settled(watcher);
    const heard = watcher.inbox.take((s) => s.is('message') && s.attrs.from === `${roomJid('commons')}/Owner`);
    expect(heard.map((s) => s.getChildText('body'))).toEqual(bodies);
    expect(owner.inbox.has((s) => s.attrs.type === 'error')).toBe(false);
    await innocentStillChats();
  });
});

describe('a guest taking a nickname that passes for an occupant’s', () => {
  // "alice" is in the room (the innocent). Each of these looks like it, or is it by RFC 8266.
  const lookAlikes: [string, string][] = [
    ['upper case', 'ALICE'],
    ['mixed case', 'Alice'],
    ['full-width letters', 'Ａｌｉｃｅ'],
    ['a Cyrillic а', '\u0430lice'],
    ['a Greek α', '\u03b1lice'],
    ['Greek capitals', '\u0391LICE'],
    ['capital I for l', 'AIice'],
    ['digit 1 for l', 'a1ice'],
  ];
  for (const [variant, nick] of lookAlikes) {
    it(`joining as “${nick}” (${variant}) is refused with conflict`, async () => {
      const impostor = await newGuest();
      const answer = await join(impostor, 'commons', nick);
      expect(answer.attrs.type).toBe('error');
      expect(errorCondition(answer)).toBe('conflict');
      await settled(watcher);
      expect(watcher.inbox.has(presenceFrom('commons', nick))).toBe(false);
      await innocentStillChats();
    });
  }

  it('combining marks: “José” typed decomposed or with a Greek ο meets the precomposed one', async () => {
    const jose = await newGuest();
    await join(jose, 'commons', 'Jos\u00e9');
    for (const nick of ['Jose\u0301', 'J\u03bfs\u00e9']) {
      const answer = await join(await newGuest(), 'commons', nick);
      expect(errorCondition(answer)).toBe('conflict');
    }
    await innocentStillChats();
  });

  it('invisible characters are refused, so they cannot pad a copy of a nickname', async () => {
    for (const invisible of ['\u200b', '\u2060', '\u00ad', '\u2800', '\u3164']) {
      const impostor = await newGuest();
      const answer = await join(impostor, 'commons', `ali${invisible}ce`);
      expect(answer.attrs.type).toBe('error');
      expect(errorCondition(answer)).toBe('jid-malformed');
    }
    await settled(watcher);
    expect(watcher.inbox.has((s) => s.is('presence') && /ali.ce$/u.test(s.attrs.from ?? ''))).toBe(false);
    await innocentStillChats();
  });

  it('changing one’s nickname to a look-alike is refused too; the shown nickname stays as typed', async () => {
    const mallory = await newGuest();
    await join(mallory, 'commons', 'Mallory');
    const refused = mallory.inbox.next((s) => s.is('presence') && s.attrs.type === 'error');
    await mallory.client.send(xml('presence', { to: `${roomJid('commons')}/\u0430lice` }));
    expect(errorCondition(await refused)).toBe('conflict');
    // A nickname of one's own in another case is the same nickname: allowed, and shown as typed.
    const renamed = watcher.inbox.next(presenceFrom('commons', 'MALLORY'));
    await mallory.client.send(xml('presence', { to: `${roomJid('commons')}/MALLORY` }));
    await renamed;
    await innocentStillChats();
  });

  it('the landing page’s nick-available answer uses the same comparison', async () => {
    const ask = async (nick: string) => (await fetch(`${server.httpUrl}/api/rooms/commons/nick-available?nick=${encodeURIComponent(nick)}`)).json();
    expect(await ask('\u0430lice')).toEqual({ available: false, reason: 'taken' });
    expect(await ask('ＡＬＩＣＥ')).toEqual({ available: false, reason: 'taken' });
    expect(await ask('bob')).toEqual({ available: true });
    await innocentStillChats();
  });
});

describe('a room its creator has not configured (XEP-0045 §10.1)', () => {
  it('admits nobody else (item-not-found) and is not listed until the creator accepts an instant room', async () => {
    const creator = await newGuest();
    const created = await join(creator, 'fresh', 'Maker', { instant: false });
    expect(hasStatus(created, 201)).toBe(true);
    const early = await join(await newGuest(), 'fresh', 'Early');
    expect(early.attrs.type).toBe('error');
    expect(errorCondition(early)).toBe('item-not-found');
    const listed = await iq(innocent, 'get', MUC, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }));
    expect(listed.getChild('query').getChildren('item').map((item: Stanza) => item.attrs.jid)).not.toContain(roomJid('fresh'));

    await instantRoom(creator, 'fresh');
    const later = await join(await newGuest(), 'fresh', 'Later');
    expect(later.attrs.type).toBeUndefined();
    await innocentStillChats();
  });

  it('cancelling the initial configuration destroys the room', async () => {
    const creator = await newGuest();
    await join(creator, 'cancelled', 'Maker', { instant: false });
    await iq(creator, 'get', roomJid('cancelled'), xml('query', { xmlns: NS_MUC_OWNER }));
    const destroyed = creator.inbox.next((s) => presenceFrom('cancelled', 'Maker', 'unavailable')(s));
    await iq(creator, 'set', roomJid('cancelled'), xml('query', { xmlns: NS_MUC_OWNER }, xml('x', { xmlns: 'jabber:x:data', type: 'cancel' })));
    expect((await destroyed).getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('destroy')).toBeDefined();
    // The name is free again: the next joiner creates a new room.
    const next = await join(await newGuest(), 'cancelled', 'Second');
    expect(hasStatus(next, 201)).toBe(true);
    await innocentStillChats();
  });
});

describe('a room left locked', () => {
  let quick: TestServer;
  afterAll(async () => quick?.stop());

  it('is destroyed after [muc].room_lock_timeout', async () => {
    quick = await startMucServer({ muc: { room_lock_timeout: '1s' } });
    const creator = await guest(quick);
    others.push(creator);
    await join(creator, 'forgotten', 'Maker', { instant: false });
    const destroyed = await creator.inbox.next((s) => presenceFrom('forgotten', 'Maker', 'unavailable')(s), 10_000);
    expect(destroyed.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('destroy')?.getChildText('reason')).toBe('The room was not configured in time.');
    await innocentStillChats();
  });
});

/** The bodies in a room's archive (XEP-0313), oldest first. */
async function archivedBodies(user: User, room: string): Promise<string[]> {
  const queryid = `archive${++said}`;
  const bodies: string[] = [];
  const collect = (stanza: Stanza) => {
    const result = stanza.getChild('result', 'urn:xmpp:mam:2');
    if (result?.attrs.queryid === queryid) bodies.push(result.getChild('forwarded').getChild('message').getChildText('body'));
  };
  user.client.on('stanza', collect);
  try {
    await iq(user, 'set', roomJid(room), xml('query', { xmlns: 'urn:xmpp:mam:2', queryid },
      xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('max', {}, '1000'))));
  } finally {
    user.client.removeListener('stanza', collect);
  }
  return bodies;
}
