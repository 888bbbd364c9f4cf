/** The host handler chain (core/host.ts) and how the router runs it: the seam every feature plugs into. */
import { beforeEach, describe, expect, it } from 'vitest';
import { xml, type Element } from '../../server/xml/element.js';
import { StanzaError } from '../../server/xml/errors.js';
import { parseJid } from '../../server/jid/jid.js';
import { NO_REPLY, type Host, type StanzaContext } from '../../server/core/host.js';
import type { Router } from '../../server/core/router.js';
import { Session } from '../../server/core/session.js';
import { newCore, RecordingSink } from './core-fixture.js';

let host: Host;
let router: Router;
let alice: Session;
let aliceSink: RecordingSink;

beforeEach(() => {
  const core = newCore();
  ({ host, router } = core);
  aliceSink = new RecordingSink();
  alice = new Session(parseJid('alice@example.org/phone'), host, aliceSink);
  core.sessions.add(alice);
});

const FROM = 'alice@example.org/phone';
const chat = (to = 'bob@example.org') => xml('message', { type: 'chat', from: FROM, to, id: 'm1' }, xml('body', {}, 'hi'));
const iq = (type: 'get' | 'set', to: string, child: Element) => xml('iq', { type, id: 'q1', from: FROM, to }, child);

function contextFor(stanza: Element): StanzaContext {
  return { stanza, from: parseJid(FROM), to: parseJid(stanza.attrs.to as string), origin: alice, host };
}

describe('the handler chain', () => {
  it('runs handlers by priority, highest first, and stops at the first that returns true', () => {
    const ran: string[] = [];
    host.on('message', 'bare', () => { ran.push('low'); return true; }, 1);
    host.on('message', 'bare', () => { ran.push('high'); }, 20);
    host.on('message', 'bare', () => { ran.push('middle'); return true; }, 10);
    host.on('message', 'bare', () => { ran.push('never'); return true; }, 5);
    expect(host.dispatch('message', 'bare', contextFor(chat()))).toBe(true);
    expect(ran).toEqual(['high', 'middle']);
  });

  it('keeps handlers of one priority in the order they were added', () => {
    const ran: string[] = [];
    host.on('presence', 'full', () => { ran.push('first'); });
    host.on('presence', 'full', () => { ran.push('second'); });
    expect(host.dispatch('presence', 'full', contextFor(xml('presence', { from: FROM, to: 'bob@example.org/x' })))).toBe(false);
    expect(ran).toEqual(['first', 'second']);
  });

  it('keeps one chain per stanza kind and target', () => {
    const ran: string[] = [];
    host.on('message', 'bare', () => { ran.push('message/bare'); return true; });
    host.on('message', 'full', () => { ran.push('message/full'); return true; });
    host.on('presence', 'bare', () => { ran.push('presence/bare'); return true; });
    host.dispatch('message', 'full', contextFor(chat('bob@example.org/x')));
    expect(ran).toEqual(['message/full']);
    expect(host.dispatch('iq', 'bare', contextFor(chat()))).toBe(false);
  });
});

describe('iq handlers', () => {
  it('are keyed by type, target, namespace and element name', () => {
    const handler = () => null;
    host.onIq('get', 'urn:example:a', 'query', 'host', handler);
    expect(host.iqHandler('get', 'host', 'urn:example:a', 'query')).toBe(handler);
    expect(host.iqHandler('set', 'host', 'urn:example:a', 'query')).toBeUndefined();
    expect(host.iqHandler('get', 'bare', 'urn:example:a', 'query')).toBeUndefined();
    expect(host.iqHandler('get', 'host', 'urn:example:b', 'query')).toBeUndefined();
    expect(host.iqHandler('get', 'host', 'urn:example:a', 'other')).toBeUndefined();
  });

  it('refuse a second handler for the same key: two features answering one request is a bug', () => {
    host.onIq('get', 'urn:example:a', 'query', 'host', () => null);
    expect(() => host.onIq('get', 'urn:example:a', 'query', 'host', () => null)).toThrow(/two handlers for get\/host\/urn:example:a:query/);
    // Another target or type is another key.
    expect(() => host.onIq('get', 'urn:example:a', 'query', 'bare', () => null)).not.toThrow();
    expect(() => host.onIq('set', 'urn:example:a', 'query', 'host', () => null)).not.toThrow();
  });

  it('answer with their payload, their StanzaError, or nothing for NO_REPLY', async () => {
    host.onIq('get', 'urn:example:a', 'query', 'host', () => xml('query', { xmlns: 'urn:example:a' }, xml('answer')));
    host.onIq('set', 'urn:example:a', 'query', 'host', () => { throw new StanzaError('modify', 'not-acceptable'); });
    host.onIq('get', 'urn:example:later', 'query', 'host', () => NO_REPLY);
    host.onIq('get', 'urn:example:async', 'query', 'host', async () => xml('query', { xmlns: 'urn:example:async' }));

    router.route(iq('get', 'example.org', xml('query', { xmlns: 'urn:example:a' })), alice);
    router.route(iq('set', 'example.org', xml('query', { xmlns: 'urn:example:a' })), alice);
    router.route(iq('get', 'example.org', xml('query', { xmlns: 'urn:example:later' })), alice);
    router.route(iq('get', 'example.org', xml('query', { xmlns: 'urn:example:async' })), alice);
    await expect.poll(() => aliceSink.sent.length).toBe(3);

    const [result, error, asyncResult] = aliceSink.sent;
    expect(result!.attrs).toMatchObject({ type: 'result', id: 'q1', to: FROM });
    expect(result!.getChild('query')?.getChild('answer')).toBeDefined();
    expect(error!.attrs.type).toBe('error');
    expect(error!.getChild('error')?.getChild('not-acceptable')).toBeDefined();
    expect(asyncResult!.getChild('query', 'urn:example:async')).toBeDefined();
  });
});

describe('handler failures are caught once, by the router', () => {
  it('a message handler that throws stops the chain and the sender gets internal-server-error', () => {
    const ran: string[] = [];
    host.on('message', 'bare', () => { throw new Error('a bug in one feature'); }, 20);
    host.on('message', 'bare', () => { ran.push('after'); return true; }, 10);
    expect(() => router.route(chat(), alice)).not.toThrow();
    expect(ran).toEqual([]);
    expect(aliceSink.sent).toHaveLength(1);
    expect(aliceSink.sent[0]!.attrs).toMatchObject({ type: 'error', id: 'm1' });
    expect(aliceSink.sent[0]!.getChild('error')?.getChild('internal-server-error')).toBeDefined();
  });

  it('an iq handler that throws (synchronously or not) is answered with internal-server-error', async () => {
    host.onIq('get', 'urn:example:sync', 'query', 'host', () => { throw new Error('bug'); });
    host.onIq('get', 'urn:example:async', 'query', 'host', async () => { throw new Error('bug'); });
    router.route(iq('get', 'example.org', xml('query', { xmlns: 'urn:example:sync' })), alice);
    router.route(iq('get', 'example.org', xml('query', { xmlns: 'urn:example:async' })), alice);
    await expect.poll(() => aliceSink.sent.length).toBe(2);
    for (const reply of aliceSink.sent) {
      expect(reply.attrs.type).toBe('error');
      expect(reply.getChild('error')?.getChild('internal-server-error')).toBeDefined();
    }
  });

  it('a message nobody takes is bounced with service-unavailable', () => {
    host.on('message', 'bare', () => false);
    router.route(chat(), alice);
    expect(aliceSink.sent[0]!.getChild('error')?.getChild('service-unavailable')).toBeDefined();
  });
});
