/** Reading a room's archive (XEP-0313) with @xmpp/client, through real rooms. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { mucServiceFor } from '../../server/muc/service.js';
import { createRoomArchive } from '../../server/muc/archive/index.js';
import type { Room } from '../../server/muc/room.js';

const MUC = 'conference.localhost';
const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';
const FULLTEXT = '{urn:xmpp:fulltext:0}fulltext';
const MINUTE = 60_000;

type Stanza = ReturnType<typeof xml>;

let server: TestServer;
let clock = Date.UTC(2024, 4, 1, 12, 0, 0);
const open: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer({}, { now: () => clock });
  await addAccount(server, 'alice', 'alicepass');
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

async function signIn(username?: 'alice'): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort, username, password: username && `${username}pass` });
  open.push(client);
  return client;
}

function roomJid(name: string): string {
  return `${name}@${MUC}`;
}

function room(name: string): Room {
  const host = server.server.context.hosts.get(MUC)!;
  return mucServiceFor(host)!.getRoom(name)!;
}

/**
 * Joins without history and waits for the self-presence (status 110); a room the join created
 * is made an instant room (XEP-0045 §10.1.2), so that others may enter.
 */
async function join(client: XmppClient, name: string, nick: string): Promise<void> {
  const codes = (s: Stanza): string[] => (s.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChildren('status') ?? []).map((st: Stanza) => st.attrs.code);
  const self = nextStanza(client, (s) => s.is('presence') && s.attrs.from === `${roomJid(name)}/${nick}` && codes(s).includes('110'));
  await client.send(xml('presence', { to: `${roomJid(name)}/${nick}` },
    xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '0' }))));
  if (codes(await self).includes('201')) {
    await client.iqCaller.request(xml('iq', { type: 'set', to: roomJid(name) },
      xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
  }
}

/** Says something in the room; resolves with the stanza-id the room gave it on its live copy. */
async function say(client: XmppClient, name: string, body: string): Promise<string> {
  const echo = nextStanza(client, (s) => s.is('message') && s.attrs.type === 'groupchat' && s.getChildText('body') === body);
  await client.send(xml('message', { to: roomJid(name), type: 'groupchat' }, xml('body', {}, body)));
  const live = await echo;
  const stanzaId = live.getChild('stanza-id', 'urn:xmpp:sid:0');
  expect(stanzaId?.attrs.by).toBe(roomJid(name));
  return stanzaId.attrs.id as string;
}

interface MamAnswer { results: Stanza[]; fin: Stanza }
let queries = 0;

/** Queries a room's archive; collects the result messages sent before the iq result. */
async function mam(client: XmppClient, name: string, options: { fields?: Record<string, string>; set?: Stanza[]; flip?: boolean } = {}): Promise<MamAnswer> {
  const queryid = `q${++queries}`;
  const results: Stanza[] = [];
  const collect = (stanza: Stanza) => {
    if (stanza.is('message') && stanza.getChild('result', MAM)?.attrs.queryid === queryid) results.push(stanza);
  };
  client.on('stanza', collect);
  try {
    const form = options.fields && xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, MAM)),
      ...Object.entries(options.fields).map(([key, value]) => xml('field', { var: key }, xml('value', {}, value))));
    const reply = await client.iqCaller.request(xml('iq', { type: 'set', to: roomJid(name) },
      xml('query', { xmlns: MAM, queryid },
        form,
        options.set && xml('set', { xmlns: RSM }, ...options.set),
        options.flip && xml('flip-page'))));
    return { results, fin: reply.getChild('fin', MAM) };
  } finally {
    client.removeListener('stanza', collect);
  }
}

async function mamError(client: XmppClient, name: string, options: Parameters<typeof mam>[2] = {}): Promise<string> {
  try {
    await mam(client, name, options);
  } catch (error) {
    if (error instanceof Error && 'condition' in error) return String(error.condition);
    throw error;
  }
  throw new Error('expected an error');
}

function bodies(answer: MamAnswer): string[] {
  return answer.results.map((m) => m.getChild('result', MAM).getChild('forwarded', 'urn:xmpp:forward:0').getChild('message').getChildText('body'));
}

function rsm(answer: MamAnswer) {
  const set = answer.fin.getChild('set', RSM);
  return {
    complete: answer.fin.attrs.complete,
    first: set.getChildText('first'),
    firstIndex: set.getChild('first')?.attrs.index,
    last: set.getChildText('last'),
    count: set.getChildText('count'),
  };
}

describe("reading a room's archive", () => {
  it("a guest's query returns a message under the same stanza-id it carried live, with its delay", async () => {
    const alice = await signIn('alice');
    const guest = await signIn();
    await join(alice, 'tea', 'alice');
    await join(guest, 'tea', 'guest');
    const sent = clock;
    const id = await say(alice, 'tea', 'hello archive');
    clock += MINUTE;

    const answer = await mam(guest, 'tea');
    expect(answer.results).toHaveLength(1);
    const [message] = answer.results;
    expect(message.attrs.from).toBe(roomJid('tea'));
    expect(message.attrs.to).toBe(guest.jid!.toString());
    const result = message.getChild('result', MAM);
    expect(result.attrs.id).toBe(id);
    const forwarded = result.getChild('forwarded', 'urn:xmpp:forward:0');
    expect(forwarded.getChild('delay', 'urn:xmpp:delay').attrs.stamp).toBe(new Date(sent).toISOString());
    const original = forwarded.getChild('message');
    expect(original.attrs).toMatchObject({ xmlns: 'jabber:client', from: `${roomJid('tea')}/alice`, type: 'groupchat' });
    expect(original.attrs.to).toBeUndefined();
    expect(original.getChildText('body')).toBe('hello archive');
    expect(original.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.id).toBe(id);
    expect(original.getChild('occupant-id', 'urn:xmpp:occupant-id:0')).toBeTruthy();
    expect(rsm(answer)).toEqual({ complete: 'true', first: id, firstIndex: '0', last: id, count: '1' });
  });

  it('a user pages back from the end of a long conversation, then forward again', async () => {
    const alice = await signIn('alice');
    await join(alice, 'long', 'alice');
    for (let i = 1; i <= 25; i++) {
      await say(alice, 'long', `line ${i}`);
      clock += MINUTE;
    }
    const last = await mam(alice, 'long', { set: [xml('max', {}, '10'), xml('before')] });
    expect(bodies(last)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 16}`));
    expect(rsm(last)).toMatchObject({ complete: 'false', firstIndex: '15', count: '25' });

    const before = await mam(alice, 'long', { set: [xml('max', {}, '10'), xml('before', {}, rsm(last).first)] });
    expect(bodies(before)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 6}`));
    const oldest = await mam(alice, 'long', { set: [xml('max', {}, '10'), xml('before', {}, rsm(before).first)] });
    expect(bodies(oldest)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    expect(rsm(oldest)).toMatchObject({ complete: 'true', firstIndex: '0' });

    const next = await mam(alice, 'long', { set: [xml('max', {}, '3'), xml('after', {}, rsm(oldest).last)], flip: true });
    expect(bodies(next)).toEqual(['line 8', 'line 7', 'line 6']);
    expect(rsm(next).firstIndex).toBe('5');

    const metadata = await alice.iqCaller.get(xml('metadata', { xmlns: MAM }), roomJid('long'));
    expect(metadata.getChild('start').attrs.id).toBe(rsm(oldest).first);
    expect(metadata.getChild('end').attrs.id).toBe(rsm(last).last);
  });

  it('a user finds an old message by searching for a word, whatever they type', async () => {
    const alice = await signIn('alice');
    const guest = await signIn();
    await join(alice, 'search', 'alice');
    await join(guest, 'search', 'visitor');
    await say(alice, 'search', 'The deployment happens on Friday');
    await say(guest, 'search', 'Is the café open?');
    await say(alice, 'search', 'Unrelated chatter');

    expect(bodies(await mam(guest, 'search', { fields: { [FULLTEXT]: 'friday' } }))).toEqual(['The deployment happens on Friday']);
    expect(bodies(await mam(guest, 'search', { fields: { [FULLTEXT]: 'deploy' } }))).toEqual(['The deployment happens on Friday']);
    expect(bodies(await mam(guest, 'search', { fields: { [FULLTEXT]: 'cafe' } }))).toEqual(['Is the café open?']);
    for (const hostile of ['"', '*', 'NEAR(', 'friday OR', ') AND (', 'x'.repeat(5000)]) {
      const answer = await mam(guest, 'search', { fields: { [FULLTEXT]: hostile } });
      expect(answer.results).toEqual([]);
      expect(rsm(answer)).toMatchObject({ complete: 'true', count: '0' });
    }
  });

  it('a user filters by sender and by time', async () => {
    const alice = await signIn('alice');
    const guest = await signIn();
    await join(alice, 'filters', 'alice');
    await join(guest, 'filters', 'bob');
    const start = clock;
    await say(alice, 'filters', 'one');
    clock += MINUTE;
    await say(guest, 'filters', 'two');
    clock += MINUTE;
    await say(alice, 'filters', 'three');

    expect(bodies(await mam(guest, 'filters', { fields: { with: `${roomJid('filters')}/alice` } }))).toEqual(['one', 'three']);
    expect(bodies(await mam(guest, 'filters', { fields: { with: 'alice@localhost' } }))).toEqual([]);
    const window = { start: new Date(start + MINUTE).toISOString(), end: new Date(start + MINUTE).toISOString() };
    expect(bodies(await mam(guest, 'filters', { fields: window }))).toEqual(['two']);
    expect(await mamError(guest, 'filters', { fields: { start: 'last tuesday' } })).toBe('bad-request');
    expect(await mamError(guest, 'filters', { fields: { 'include-groupchat': 'true' } })).toBe('feature-not-implemented');
  });

  it('a user asking for a message or room that does not exist gets item-not-found', async () => {
    const alice = await signIn('alice');
    await join(alice, 'known', 'alice');
    await say(alice, 'known', 'something');
    expect(await mamError(alice, 'known', { set: [xml('after', {}, 'no-such-id')] })).toBe('item-not-found');
    expect(await mamError(alice, 'known', { fields: { ids: 'no-such-id' } })).toBe('item-not-found');
    expect(await mamError(alice, 'no-such-room')).toBe('item-not-found');
  });
});

describe('who may read an archive', () => {
  it("a stranger reads an open room's archive, not a members-only one's, and a banned user neither", async () => {
    const alice = await signIn('alice');
    const stranger = await signIn();
    await join(alice, 'open', 'alice');
    await say(alice, 'open', 'public words');
    expect(bodies(await mam(stranger, 'open'))).toEqual(['public words']);

    await join(alice, 'club', 'alice');
    await say(alice, 'club', 'members only');
    room('club').setConfig({ ...room('club').config, membersOnly: true });
    expect(await mamError(stranger, 'club')).toBe('forbidden');
    expect(bodies(await mam(alice, 'club'))).toEqual(['members only']);

    room('open').setAffiliation(stranger.jid!.bare().toString(), { affiliation: 'outcast', nick: null, reason: null, addressHash: null });
    expect(await mamError(stranger, 'open')).toBe('forbidden');
  });
});

describe("a room's archive seen from outside", () => {
  it('the room advertises MAM, its extended queries and search in disco#info, and offers the search field', async () => {
    const alice = await signIn('alice');
    await join(alice, 'disco', 'alice');
    const info = await alice.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), roomJid('disco'));
    const features = info.getChildren('feature').map((f: Stanza) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([MAM, 'urn:xmpp:mam:2#extended', 'urn:xmpp:fulltext:0']));
    const form = await alice.iqCaller.get(xml('query', { xmlns: MAM }), roomJid('disco'));
    const fields = form.getChild('x', 'jabber:x:data').getChildren('field').map((f: Stanza) => f.attrs.var);
    expect(fields).toEqual(expect.arrayContaining(['with', 'start', 'end', FULLTEXT]));
    const metadata = await alice.iqCaller.get(xml('metadata', { xmlns: MAM }), roomJid('disco'));
    expect(metadata.getChild('start')).toBeUndefined();
  });

  it('a room with archiving off has no MAM', async () => {
    const alice = await signIn('alice');
    await join(alice, 'unarchived', 'alice');
    room('unarchived').setConfig({ ...room('unarchived').config, archive: false });
    await say(alice, 'unarchived', 'not kept');
    expect(await mamError(alice, 'unarchived')).toBe('service-unavailable');
    const info = await alice.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), roomJid('unarchived'));
    expect(info.getChildren('feature').map((f: Stanza) => f.attrs.var)).not.toContain(MAM);
  });
});

describe('moderation', () => {
  it("a moderator's retraction leaves a tombstone in the archive, under the same id, without the text", async () => {
    const alice = await signIn('alice');
    const guest = await signIn();
    await join(alice, 'moderated', 'alice');
    await join(guest, 'moderated', 'troll');
    const id = await say(guest, 'moderated', 'something awful');
    expect(bodies(await mam(alice, 'moderated', { fields: { [FULLTEXT]: 'awful' } }))).toEqual(['something awful']);

    await alice.iqCaller.set(xml('moderate', { xmlns: 'urn:xmpp:message-moderate:1', id },
      xml('retract', { xmlns: 'urn:xmpp:message-retract:1' }), xml('reason', {}, 'spam')), roomJid('moderated'));

    const answer = await mam(alice, 'moderated', { fields: { ids: id } });
    expect(answer.results).toHaveLength(1);
    const tombstone = answer.results[0].getChild('result', MAM).getChild('forwarded', 'urn:xmpp:forward:0').getChild('message');
    expect(tombstone.attrs.from).toBe(`${roomJid('moderated')}/troll`);
    expect(tombstone.getChild('body')).toBeUndefined();
    expect(tombstone.toString()).not.toContain('awful');
    const retracted = tombstone.getChild('retracted', 'urn:xmpp:message-retract:1');
    expect(retracted.attrs.by).toBe(`${roomJid('moderated')}/alice`);
    expect(retracted.getChildText('reason')).toBe('spam');
    expect(bodies(await mam(alice, 'moderated', { fields: { [FULLTEXT]: 'awful' } }))).toEqual([]);
  });
});

describe('retention', () => {
  it('messages older than [muc].archive_expires_after are gone once the server starts again later', async () => {
    let now = Date.UTC(2024, 0, 1);
    // A persistent room: only those keep an archive in the database across restarts.
    const config = { muc: { archive_expires_after: '1h' }, channels: [{ name: 'kept' }] };
    const first = await startTestServer(config, { now: () => now });
    const archive = createRoomArchive(first.server.context);
    const message = (id: string) => xml('message', { from: `${roomJid('kept')}/a`, type: 'groupchat' }, xml('body', {}, id));
    archive.append(roomJid('kept'), { id: 'old', stanza: message('old'), nick: 'a', occupantId: 'o', timestamp: now });
    archive.append(roomJid('kept'), { id: 'new', stanza: message('new'), nick: 'a', occupantId: 'o', timestamp: now + 2 * 60 * MINUTE });
    await first.stop();

    now += 2 * 60 * MINUTE + MINUTE;
    const second = await startTestServer(config, { now: () => now, dataDir: first.dataDir });
    try {
      expect(createRoomArchive(second.server.context).recent(roomJid('kept'), 10).map((m) => m.id)).toEqual(['new']);
    } finally {
      await second.stop();
    }
  });
});
