import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import { HostRegistry } from '../../server/core/hosts.js';
import { Router } from '../../server/core/router.js';
import { Session } from '../../server/core/session.js';
import { SessionRegistry } from '../../server/core/sessions.js';
import { StateKey } from '../../server/core/keyed-state.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';
import { parseJid } from '../../server/jid/jid.js';
import { Replicas } from '../../server/cluster/replicas.js';
import { Inbox } from '../../server/cluster/inbox.js';
import { LocalSessions } from '../../server/cluster/local-sessions.js';
import type { ClusterConnection } from '../../server/cluster/connection.js';
import { clusterKeys } from '../../server/cluster/keys.js';
import { decodeSession, encodeSession } from '../../server/cluster/session-record.js';
import { closeFrame, eachFrame, forwardFrame, parseFrame, sendFrame } from '../../server/cluster/frames.js';
import { parseDirectoryEvent } from '../../server/cluster/directory-events.js';
import { RecordingSink } from './core-fixture.js';

/**
 * The session directory without Redis: records, frames, and how a node files the other
 * members' sessions in its registry. What Redis carries is in test/integration/cluster-*.test.ts.
 */
const SHARED = new StateKey<boolean>('directory test flag', () => false, { shared: true });
const keys = clusterKeys('test:');

function fixture() {
  const hosts = new HostRegistry();
  const host = hosts.add('example.org', 'account', createMemoryStorage());
  hosts.add('conference.example.org', 'muc', createMemoryStorage());
  const sessions = new SessionRegistry();
  const published: { channel: string; frame: string }[] = [];
  const local = new Set<Session>();
  const localByJid = new Map<string, Session>();
  /** This node's sessions as LocalSessions keeps them (the inbox's view). */
  const lookup = { has: (s: Session) => local.has(s), named: (jid: string) => localByJid.get(jid) };
  const log = pino({ level: 'silent' });
  const replicas = new Replicas('self#1', keys, sessions, hosts, (channel, frame) => published.push({ channel, frame }), (s) => local.has(s), log);
  const bind = (full: string): { session: Session; sink: RecordingSink } => {
    const sink = new RecordingSink();
    const session = new Session(parseJid(full), host, sink);
    sessions.add(session);
    local.add(session);
    localByJid.set(session.jid.toString(), session);
    return { session, sink };
  };
  return { hosts, host, sessions, published, replicas, local, lookup, bind, router: new Router(hosts, sessions, log), log };
}

/** A record as another member would write it for a session of its own. */
function recordOf(full: string, build: (session: Session) => void = () => {}): { record: string; id: string } {
  const { host } = fixture();
  const session = new Session(parseJid(full), host, new RecordingSink());
  build(session);
  return { record: encodeSession(session), id: session.id };
}

describe('session records', () => {
  it('carry what features read, and never the client address', () => {
    const { record, id } = recordOf('ann@example.org/phone', (session) => {
      session.presence = xml('presence', { from: 'ann@example.org/phone' }, xml('show', {}, 'away'));
      session.priority = 5;
      session.interestedInRoster = true;
      session.set(SHARED, true);
    });
    expect(record).not.toContain('192.0.2.1');
    const facts = decodeSession('ann@example.org/phone', record)!;
    expect(facts).toMatchObject({ id, priority: 5, interestedInRoster: true, transportKind: 'tcp', shared: { 'directory test flag': true } });
    expect(facts.presence!.getChildText('show')).toBe('away');
  });

  it('refuse what is not a record', () => {
    const good = recordOf('ann@example.org/phone').record;
    expect(decodeSession('ann@example.org', good)).toBeNull(); // a bare JID
    expect(decodeSession('ann@example.org/phone', '{')).toBeNull();
    expect(decodeSession('ann@example.org/phone', good.replace('"pr":0', '"pr":1000'))).toBeNull();
    expect(decodeSession('ann@example.org/phone', good.replace('"t":"tcp"', '"t":"carrier-pigeon"'))).toBeNull();
    expect(decodeSession('ann@example.org/phone', good.replace('"p":null', '"p":"<message/>"'))).toBeNull();
    expect(decodeSession('ann@example.org/phone', good.replace('"p":null', '"p":"<presence>"'))).toBeNull();
    expect(decodeSession('ann@example.org/phone', 'x'.repeat(70_000))).toBeNull();
  });
});

describe('frames and directory events', () => {
  it('read back what was written, a resource with spaces included', () => {
    expect(parseFrame(sendFrame('id1', 'a@b/c d', '<message/>'))).toEqual({ kind: 'send', sessionId: 'id1', jid: 'a@b/c d', stanza: '<message/>' });
    expect(parseFrame(closeFrame('id1', 'a@b/c', 'conflict'))).toEqual({ kind: 'close', sessionId: 'id1', jid: 'a@b/c', condition: 'conflict' });
    expect(parseFrame(closeFrame('id1', 'a@b/c', null))).toMatchObject({ condition: null });
    expect(parseFrame(eachFrame(['a@b/c d', 'e@f/g'], '<message/>'))).toEqual({ kind: 'each', jids: ['a@b/c d', 'e@f/g'], stanza: '<message/>' });
    expect(parseFrame(forwardFrame('a@b/c', '<presence/>'))).toEqual({ kind: 'forward', from: 'a@b/c', stanza: '<presence/>' });
  });

  it('refuse anything else', () => {
    for (const junk of ['', 'S', 'S\nid\njid', 'C\nid\na@b/c\nnot-a-condition', 'X\nid\na@b/c\n<message/>', 'S\n\na@b/c\n<message/>']) {
      expect(parseFrame(junk)).toBeNull();
    }
    for (const junk of ['', '{', '[]', 'null', '{"m":"x","op":"put","j":"a","r":"{}"}', '{"m":"","op":"gone"}', '{"m":"x","q":1,"op":"drop"}']) {
      expect(parseDirectoryEvent(junk)).toBeNull();
    }
    expect(parseDirectoryEvent('{"m":"x","op":"gone"}')).toEqual({ m: 'x', op: 'gone' });
  });
});

describe('replicas of the other members\' sessions', () => {
  it('are sessions in the registry whose stanzas go to their member\'s inbox, serialised once', () => {
    const { sessions, replicas, published, router } = fixture();
    const { record, id } = recordOf('bob@example.org/desk', (s) => { s.presence = xml('presence'); });
    replicas.apply({ m: 'other#1', q: 1, op: 'put', j: 'bob@example.org/desk', r: record });
    const replica = sessions.get(parseJid('bob@example.org/desk'))!;
    expect(replica.available).toBe(true);
    expect(replica.isGuest).toBe(false);
    expect(replica.transportKind).toBe('tcp');

    expect(router.deliverTo(parseJid('bob@example.org'), xml('message', { to: 'bob@example.org', type: 'chat' }, xml('body', {}, 'hi')))).toBe(1);
    expect(published).toEqual([{ channel: keys.inbox('other#1'), frame: sendFrame(id, 'bob@example.org/desk', '<message to="bob@example.org" type="chat"><body>hi</body></message>') }]);
  });

  it('share one frame per member for a stanza to many of them (a room\'s broadcast)', () => {
    const { replicas, published, router } = fixture();
    let sequence = 0;
    for (const [member, jid] of [['other#1', 'bob@example.org/desk'], ['other#1', 'bob@example.org/phone'], ['other#2', 'cy@example.org/x']]) {
      replicas.apply({ m: member!, q: ++sequence, op: 'put', j: jid!, r: recordOf(jid!).record });
    }
    published.length = 0;
    const recipients = ['bob@example.org/desk', 'bob@example.org/phone', 'cy@example.org/x', 'nobody@example.org/y'].map(parseJid);
    expect(router.deliverToEach(xml('message', { from: 'room@muc/n', type: 'groupchat' }, xml('body', {}, 'hi')), recipients)).toBe(3);
    const body = '<message from="room@muc/n" type="groupchat"><body>hi</body></message>';
    expect(published).toEqual([
      { channel: keys.inbox('other#1'), frame: eachFrame(['bob@example.org/desk', 'bob@example.org/phone'], body) },
      { channel: keys.inbox('other#2'), frame: eachFrame(['cy@example.org/x'], body) },
    ]);
  });

  it('follow changes in order and ignore older ones', () => {
    const { sessions, replicas } = fixture();
    const jid = parseJid('bob@example.org/desk');
    const first = recordOf('bob@example.org/desk');
    const withPresence = JSON.stringify({ ...JSON.parse(first.record), p: '<presence from="bob@example.org/desk"/>', pr: 3, s: { 'directory test flag': true } });
    replicas.apply({ m: 'other#1', q: 1, op: 'put', j: jid.toString(), r: first.record });
    replicas.apply({ m: 'other#1', q: 2, op: 'put', j: jid.toString(), r: withPresence });
    const replica = sessions.get(jid)!;
    expect(replica.priority).toBe(3);
    expect(replica.get(SHARED)).toBe(true);
    // A change numbered before what this node has is stale (it was read from the hash already).
    replicas.apply({ m: 'other#1', q: 2, op: 'del', j: jid.toString() });
    expect(sessions.get(jid)).toBe(replica);
    replicas.apply({ m: 'other#1', q: 3, op: 'del', j: jid.toString() });
    expect(sessions.get(jid)).toBeUndefined();
    expect(replicas.count).toBe(0);
  });

  it('are loaded from a member\'s hash, and a member\'s death removes them without a word', () => {
    const { sessions, replicas, published } = fixture();
    replicas.load('other#1', {
      'bob@example.org/a': recordOf('bob@example.org/a').record,
      'bob@example.org/b': recordOf('bob@example.org/b').record,
      'nobody@elsewhere.example/x': recordOf('nobody@elsewhere.example/x').record, // no such host here
      'room@conference.example.org/nick': recordOf('room@conference.example.org/nick').record, // not a client host
    }, 7);
    expect(sessions.of('bob@example.org')).toHaveLength(2);
    expect(sessions.count).toBe(2);
    replicas.apply({ m: 'other#1', q: 7, op: 'del', j: 'bob@example.org/a' });
    expect(sessions.count).toBe(2);

    const doomed = sessions.of('bob@example.org');
    replicas.apply({ m: 'other#1', op: 'gone' });
    expect(sessions.count).toBe(0);
    for (const session of doomed) session.send(xml('message'));
    expect(published).toEqual([]);
  });

  it('a resource bound on another member replaces this node\'s session with a conflict, and the other way round', () => {
    const { sessions, replicas, bind, published } = fixture();
    const closed: string[] = [];
    const { session } = bind('cat@example.org/same');
    session.close = (error) => { closed.push(error!.condition); };
    const remote = recordOf('cat@example.org/same');
    replicas.apply({ m: 'other#1', q: 1, op: 'put', j: 'cat@example.org/same', r: remote.record });
    expect(closed).toEqual(['conflict']);
    const replica = sessions.get(parseJid('cat@example.org/same'))!;
    expect(replica).not.toBe(session);

    // Bound here again: the stream closes what it replaced, which asks the owner to close it.
    const again = new Session(parseJid('cat@example.org/same'), replica.host, new RecordingSink());
    sessions.add(again)?.close(new (class extends Error { condition = 'conflict' as const })() as never);
    expect(published).toEqual([{ channel: keys.inbox('other#1'), frame: closeFrame(remote.id, 'cat@example.org/same', 'conflict') }]);
  });

  it('records that do not read are dropped, and the rest still applies', () => {
    const { sessions, replicas } = fixture();
    replicas.apply({ m: 'other#1', q: 1, op: 'put', j: 'dan@example.org/x', r: '{"id":5}' });
    replicas.apply({ m: 'other#1', q: 2, op: 'put', j: 'dan@example.org/y', r: recordOf('dan@example.org/y').record });
    expect(sessions.of('dan@example.org').map((s) => s.jid.resource)).toEqual(['y']);
  });
});

describe('the inbox', () => {
  it('delivers to the local session only, bounces a request whose session is gone, and drops junk', () => {
    const { sessions, lookup, bind, router, log, replicas } = fixture();
    const { session, sink } = bind('eve@example.org/home');
    const inbox = new Inbox(sessions, lookup, router, log);
    inbox.receive(sendFrame('any', 'eve@example.org/home', '<message from="fay@example.org/w" to="eve@example.org/home" type="chat"><body>hi</body></message>'));
    expect(sink.sent.map(String)).toEqual(['<message from="fay@example.org/w" to="eve@example.org/home" type="chat"><body>hi</body></message>']);

    inbox.receive(sendFrame('any', 'eve@example.org/home', '<message><unclosed></message>'));
    inbox.receive(sendFrame('any', 'eve@example.org/home', '<stream:features xmlns:stream="http://etherx.jabber.org/streams"/>'));
    inbox.receive('garbage');
    expect(sink.sent).toHaveLength(1);

    // Fay is a session of this node too; a request to a resource that is gone comes back to her
    // (delivered to her by the host's chain, as the delivery module does).
    const fay = bind('fay@example.org/w');
    fay.session.host.on('iq', 'full', (ctx) => router.deliverTo(ctx.to, ctx.stanza) > 0);
    inbox.receive(sendFrame('any', 'eve@example.org/gone', '<iq type="get" id="q1" from="fay@example.org/w" to="eve@example.org/gone"><query xmlns="urn:example"/></iq>'));
    inbox.receive(sendFrame('any', 'eve@example.org/gone', '<presence from="fay@example.org/w" to="eve@example.org/gone"/>'));
    expect(fay.sink.sent.map((s) => `${s.name} ${s.attrs.type} ${s.getChild('error')?.getChildElements()[0]?.name}`)).toEqual(['iq error service-unavailable']);

    // A replica under that JID is not this node's to deliver to (no re-routing).
    replicas.apply({ m: 'other#1', q: 1, op: 'put', j: 'gil@example.org/r', r: recordOf('gil@example.org/r').record });
    inbox.receive(sendFrame('any', 'gil@example.org/r', '<message type="headline"><body>x</body></message>'));

    // A close request for an older session under the same JID leaves the current one alone.
    const closes: unknown[] = [];
    session.close = (error) => { closes.push(error); };
    inbox.receive(closeFrame('not-its-id', 'eve@example.org/home', 'conflict'));
    expect(closes).toEqual([]);
    inbox.receive(closeFrame(session.id, 'eve@example.org/home', 'conflict'));
    expect(closes).toHaveLength(1);
  });

  it('gives a room\'s broadcast to each local recipient it names, addressed to each, and to nobody else', () => {
    const { sessions, lookup, bind, router, log, replicas } = fixture();
    const ann = bind('ann@example.org/a b');
    const bob = bind('bob@example.org/desk');
    const arrived: string[][] = [];
    const inbox = new Inbox(sessions, lookup, router, log, undefined, (_stanza, recipients) => { arrived.push([...recipients]); });
    // A session of another node under a name in the frame: not this node's to deliver to.
    replicas.apply({ m: 'other#1', q: 1, op: 'put', j: 'cy@example.org/x', r: recordOf('cy@example.org/x').record });
    const body = '<message from="room@conference.example.org/n" type="groupchat" id="m1"><body>a &amp; b &lt;c&gt;</body></message>';
    const recipients = ['ann@example.org/a b', 'cy@example.org/x', 'nobody@example.org/y', 'not a jid@@', 'bob@example.org/desk'];
    inbox.receive(eachFrame(recipients, body));
    expect(ann.sink.sent.map(String)).toEqual(['<message to="ann@example.org/a b" from="room@conference.example.org/n" type="groupchat" id="m1"><body>a &amp; b &lt;c&gt;</body></message>']);
    expect(bob.sink.sent.map(String)).toEqual(['<message to="bob@example.org/desk" from="room@conference.example.org/n" type="groupchat" id="m1"><body>a &amp; b &lt;c&gt;</body></message>']);
    expect(bob.sink.sent[0]!.attrs.to).toBe('bob@example.org/desk');
    expect(bob.sink.sent[0]!.getChildText('body')).toBe('a & b <c>');
    expect(arrived).toEqual([recipients]);

    // Bob's resource is bound again on another node: the replica holds the JID now.
    replicas.apply({ m: 'other#1', q: 2, op: 'put', j: 'bob@example.org/desk', r: recordOf('bob@example.org/desk').record });
    inbox.receive(eachFrame(['ann@example.org/a b', 'bob@example.org/desk'], body));
    expect(ann.sink.sent).toHaveLength(2);
    expect(bob.sink.sent).toHaveLength(1);

    // A stanza that does not parse reaches nobody.
    inbox.receive(eachFrame(['ann@example.org/a b'], '<message><body></message>'));
    expect(ann.sink.sent).toHaveLength(2);
  });
});

describe('this node\'s own sessions', () => {
  it('are named by their full JID: the newest one bound under it, until that one ends', () => {
    const { sessions, host, log } = fixture();
    // The directory writes go nowhere here: each Redis call returns the transaction again.
    const transaction: unknown = new Proxy({}, { get: (_, key) => (key === 'exec' ? async () => [] : () => transaction) });
    const connection = { member: 'self#1', redis: { multi: () => transaction } } as unknown as ClusterConnection;
    const local = new LocalSessions(connection, keys, sessions, log);
    const first = new Session(parseJid('Ann@example.org/a'), host, new RecordingSink());
    const second = new Session(parseJid('ann@example.org/a'), host, new RecordingSink());
    local.bound(first);
    expect(local.named('ann@example.org/a')).toBe(first);
    local.bound(second);
    local.closed(first);
    expect(local.named('ann@example.org/a')).toBe(second);
    expect(local.has(first)).toBe(false);
    local.closed(second);
    expect(local.named('ann@example.org/a')).toBeUndefined();
  });
});
