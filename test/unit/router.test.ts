/** The router's delivery seam: deliverTo (RFC 6121 §8.5 local delivery) and reply. */
import { beforeEach, describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import { parseJid } from '../../server/jid/jid.js';
import { DROP_STANZA, type Router } from '../../server/core/router.js';
import { StanzaError } from '../../server/xml/errors.js';
import { Session } from '../../server/core/session.js';
import type { SessionRegistry } from '../../server/core/sessions.js';
import type { Host } from '../../server/core/host.js';
import { newCore, RecordingSink } from './core-fixture.js';

let sessions: SessionRegistry;
let router: Router;
let host: Host;

beforeEach(() => {
  ({ host, sessions, router } = newCore());
});

function bind(full: string, presence: { priority: number } | null = { priority: 0 }): RecordingSink {
  const sink = new RecordingSink();
  const session = new Session(parseJid(full), host, sink);
  if (presence) {
    session.presence = xml('presence');
    session.priority = presence.priority;
  }
  sessions.add(session);
  return sink;
}

const message = () => xml('message', { type: 'chat', from: 'bob@example.org/x', to: 'alice@example.org' }, xml('body', {}, 'hi'));

describe('deliverTo a full JID', () => {
  it('reaches that resource only, whatever the stanza, even before it is available', () => {
    const phone = bind('alice@example.org/phone', null);
    const laptop = bind('alice@example.org/laptop');
    const iq = xml('iq', { type: 'get', id: '1' });
    expect(router.deliverTo(parseJid('alice@example.org/phone'), iq)).toBe(1);
    expect(phone.sent).toEqual([iq]);
    expect(laptop.sent).toEqual([]);
  });

  it('reaches nobody when the resource is not bound, and says so', () => {
    const laptop = bind('alice@example.org/laptop');
    expect(router.deliverTo(parseJid('alice@example.org/gone'), message())).toBe(0);
    expect(laptop.sent).toEqual([]);
  });
});

describe('deliverTo a bare JID', () => {
  it('gives a message to every available resource with a non-negative priority', () => {
    const high = bind('alice@example.org/high', { priority: 5 });
    const zero = bind('alice@example.org/zero', { priority: 0 });
    const negative = bind('alice@example.org/negative', { priority: -1 });
    const unavailable = bind('alice@example.org/unavailable', null);
    expect(router.deliverTo(parseJid('alice@example.org'), message())).toBe(2);
    expect([high, zero, negative, unavailable].map((sink) => sink.sent.length)).toEqual([1, 1, 0, 0]);
  });

  it('gives a presence to every available resource, negative priority included', () => {
    const zero = bind('alice@example.org/zero', { priority: 0 });
    const negative = bind('alice@example.org/negative', { priority: -1 });
    const unavailable = bind('alice@example.org/unavailable', null);
    expect(router.deliverTo(parseJid('alice@example.org'), xml('presence', { from: 'bob@example.org/x' }))).toBe(2);
    expect([zero, negative, unavailable].map((sink) => sink.sent.length)).toEqual([1, 1, 0]);
  });

  it('gives an iq to nobody: the server answers for the bare JID', () => {
    const laptop = bind('alice@example.org/laptop');
    expect(router.deliverTo(parseJid('alice@example.org'), xml('iq', { type: 'get', id: '1' }))).toBe(0);
    expect(laptop.sent).toEqual([]);
  });

  it('reaches nobody for a user with no session', () => {
    expect(router.deliverTo(parseJid('nobody@example.org'), message())).toBe(0);
  });
});

describe('reply', () => {
  it('answers the origin session directly, without an undefined from', () => {
    const laptop = bind('alice@example.org/laptop');
    const origin = sessions.get(parseJid('alice@example.org/laptop'))!;
    const answer = xml('iq', { type: 'result', id: '1', from: undefined, to: 'alice@example.org/laptop' });
    router.reply(origin, answer);
    expect(laptop.sent).toEqual([answer]);
    expect('from' in laptop.sent[0]!.attrs).toBe(false);
  });

  it('routes the answer by its address when no client sent the request', () => {
    const laptop = bind('alice@example.org/laptop');
    const answer = xml('message', { type: 'chat', from: 'example.org', to: 'alice@example.org/laptop' }, xml('body', {}, 'hello'));
    // Routed, it reaches the host's chain; a delivery handler there hands it on.
    host.on('message', 'full', (ctx) => router.deliverTo(ctx.to, ctx.stanza) > 0, 0);
    router.reply(null, answer);
    expect(laptop.sent).toEqual([answer]);
  });

  it('sends nothing to a session that has closed', () => {
    const laptop = bind('alice@example.org/laptop');
    const origin = sessions.get(parseJid('alice@example.org/laptop'))!;
    origin.closed = true;
    router.reply(origin, xml('iq', { type: 'result', id: '1' }));
    expect(laptop.sent).toEqual([]);
  });
});

describe('route guards', () => {
  const chat = () => xml('message', { type: 'chat', id: 'm1', from: 'bob@example.org/x', to: 'alice@example.org/laptop' }, xml('body', {}, 'hi'));

  it('stop a stanza before the host: an error goes back to the sender, DROP_STANZA says nothing', () => {
    const alice = bind('alice@example.org/laptop');
    const bob = bind('bob@example.org/x');
    const origin = sessions.get(parseJid('bob@example.org/x'))!;
    host.on('message', 'full', (ctx) => router.deliverTo(ctx.to, ctx.stanza) > 0, 0);
    let verdict: StanzaError | typeof DROP_STANZA | undefined = new StanzaError('cancel', 'service-unavailable');
    const remove = router.addGuard(() => verdict);
    router.route(chat(), origin);
    expect(alice.sent).toEqual([]);
    expect(bob.sent.map((stanza) => [stanza.attrs.type, stanza.getChild('error')?.getChildElements()[0]?.name])).toEqual([['error', 'service-unavailable']]);
    verdict = DROP_STANZA;
    router.route(chat(), origin);
    expect(bob.sent).toHaveLength(1);
    verdict = undefined;
    router.route(chat(), origin);
    expect(alice.sent).toHaveLength(1);
    remove();
    verdict = DROP_STANZA;
    router.route(chat(), origin);
    expect(alice.sent).toHaveLength(2);
  });
});
