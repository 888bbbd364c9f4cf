import { describe, expect, it } from 'vitest';
import { isKeptMessage } from '../../server/mam/kept.js';
import { xml } from '../../server/xml/element.js';
import { NS } from '../../server/xml/namespaces.js';

const JMI = 'urn:xmpp:jingle-message:0';
const propose = (type: string, ...hints: string[]) => xml('message', { type, to: 'romeo@localhost' },
  xml('propose', { xmlns: JMI, id: 'call-1' }, xml('description', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' })),
  ...hints.map((hint) => xml(hint, { xmlns: NS.hints })));

describe('which one-to-one messages are kept (account archive, offline storage)', () => {
  it('keeps what a person wrote, in chat and normal messages', () => {
    expect(isKeptMessage(xml('message', { type: 'chat' }, xml('body', {}, 'hi')), 'no-permanent-store')).toBe(true);
    expect(isKeptMessage(xml('message', {}, xml('body', {}, 'hi')), 'no-store')).toBe(true);
  });

  it('keeps a call invitation (XEP-0353) that carries a <store/> hint, as the XEP asks', () => {
    expect(isKeptMessage(propose('chat', 'store'), 'no-permanent-store')).toBe(true);
    expect(isKeptMessage(propose('chat', 'store'), 'no-store')).toBe(true);
  });

  it('keeps no body-less message without a <store/> hint, and no hinted message the sender also barred', () => {
    expect(isKeptMessage(propose('chat'), 'no-permanent-store')).toBe(false);
    expect(isKeptMessage(xml('message', { type: 'chat' }, xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' })), 'no-store')).toBe(false);
    expect(isKeptMessage(propose('chat', 'store', 'no-store'), 'no-permanent-store')).toBe(false);
    expect(isKeptMessage(propose('chat', 'store', 'no-permanent-store'), 'no-permanent-store')).toBe(false);
  });

  it('keeps no groupchat, error or headline message, whatever its hints', () => {
    for (const type of ['groupchat', 'error', 'headline']) expect(isKeptMessage(propose(type, 'store'), 'no-store')).toBe(false);
  });
});
