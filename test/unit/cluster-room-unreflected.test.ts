import { describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import { parseJid } from '../../server/jid/jid.js';
import type { Host, StanzaContext } from '../../server/core/host.js';
import { UnreflectedMessages } from '../../server/cluster/room-unreflected.js';

const ROOM = 'lobby@conference.localhost';
const host = { name: 'conference.localhost' } as Host;

function groupchat(sender: string, id: string | undefined, type = 'groupchat'): StanzaContext {
  const stanza = xml('message', { to: ROOM, from: sender, type, id }, xml('body', {}, id ?? 'no id'));
  return { stanza, from: parseJid(sender), to: parseJid(ROOM), origin: null, host };
}

function reflection(nick: string, id: string): ReturnType<typeof xml> {
  return xml('message', { from: `${ROOM}/${nick}`, type: 'groupchat', id }, xml('body', {}, id));
}

describe('room messages forwarded to the node serving their room', () => {
  it('a message the room reflected to its sender is not sent again when that node dies; the others are, oldest first', () => {
    const kept = new UnreflectedMessages();
    const one = groupchat('wendy@localhost/a', 'm1');
    const two = groupchat('wendy@localhost/a', 'm2');
    const three = groupchat('wendy@localhost/a', 'm3');
    for (const ctx of [one, two, three]) kept.keep('node-b', ctx);
    // Reflected to others only: not yet an answer to Wendy.
    kept.delivered(reflection('Wendy', 'm1'), ['xavier@localhost/x']);
    kept.delivered(reflection('Wendy', 'm1'), ['wendy@localhost/a', 'xavier@localhost/x']);
    expect(kept.take('node-b')).toEqual([two, three]);
    expect(kept.size).toBe(0);
  });

  it('a refusal from the room (an error with the same id) ends the wait too', () => {
    const kept = new UnreflectedMessages();
    const refused = groupchat('wendy@localhost/a', 'm1');
    kept.keep('node-b', refused);
    kept.delivered(xml('message', { from: ROOM, to: 'wendy@localhost/a', type: 'error', id: 'm1' }), ['wendy@localhost/a']);
    expect(kept.take('node-b')).toEqual([]);
  });

  it('keeps only groupchat messages with an id, by member, and leaves out the one being handled', () => {
    const kept = new UnreflectedMessages();
    kept.keep('node-b', groupchat('wendy@localhost/a', undefined));
    kept.keep('node-b', groupchat('wendy@localhost/a', 'c1', 'chat'));
    const toB = groupchat('wendy@localhost/a', 'b1');
    const toC = groupchat('wendy@localhost/a', 'c2');
    const failing = groupchat('wendy@localhost/a', 'b2');
    kept.keep('node-b', toB);
    kept.keep('node-c', toC);
    kept.keep('node-b', failing);
    expect(kept.take('node-b', failing)).toEqual([toB]);
    expect(kept.take('node-c')).toEqual([toC]);
  });

  it('forgets what waited longer than a live node ever takes', () => {
    let now = 1_000_000;
    const kept = new UnreflectedMessages(() => now);
    kept.keep('node-b', groupchat('wendy@localhost/a', 'old'));
    now += 31_000;
    const recent = groupchat('wendy@localhost/a', 'recent');
    kept.keep('node-b', recent);
    expect(kept.size).toBe(1);
    expect(kept.take('node-b')).toEqual([recent]);
  });
});
