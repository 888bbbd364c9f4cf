/** Each room feature, on a room built from the core and the feature list (test/unit/room-fixture.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import { xml, type Element } from '../../server/xml/element.js';
import { NS } from '../../server/xml/namespaces.js';
import { configureStanza, errorCondition, joinStanza, roomFixture, statusCodes, type RoomFixture, type User } from './room-fixture.js';

let fixture: RoomFixture;
let room: string;
let owner: User;
let bob: User;

/** The owner creates the room and submits this configuration (which unlocks it). */
function createRoom(values: Record<string, string>): void {
  owner.send(joinStanza(room, 'owner'));
  const [answer] = owner.send(configureStanza(room, values));
  expect(answer?.attrs.type).toBe('result');
}

const selfPresence = (received: Element[]) => received.find((stanza) => stanza.name === 'presence' && statusCodes(stanza).includes(110));
const groupchat = (body: string) => xml('message', { to: room, type: 'groupchat' }, xml('body', {}, body));
/** Read from the serialisation: history copies are written as text, with no child elements to ask. */
const bodyOf = (stanza: Element) => /<body>([^<]*)<\/body>/.exec(stanza.toString())?.[1];
const bodies = (received: Element[]) => received.filter((stanza) => stanza.name === 'message').map(bodyOf).filter((body) => body !== undefined);

function discoFeatures(user: User): string[] {
  const [answer] = user.send(xml('iq', { type: 'get', to: room, id: 'disco' }, xml('query', { xmlns: NS.discoInfo })));
  return answer!.getChild('query')!.getChildren('feature').map((feature) => feature.attrs.var!);
}

beforeEach(() => {
  fixture = roomFixture();
  room = `talk@${fixture.domain}`;
  owner = fixture.user('owner');
  bob = fixture.user('bob');
});

describe('password', () => {
  it('refuses a joiner without the secret or with a wrong one, and lets in one who gives it', () => {
    createRoom({ passwordprotectedroom: '1', roomsecret: 'open sesame' });
    expect(discoFeatures(bob)).toContain('muc_passwordprotected');
    expect(errorCondition(bob.send(joinStanza(room, 'bob'))[0])).toBe('not-authorized');
    expect(errorCondition(bob.send(joinStanza(room, 'bob', 'open sesam'))[0])).toBe('not-authorized');
    expect(selfPresence(bob.send(joinStanza(room, 'bob', 'open sesame')))).toBeDefined();
  });

  it('is refused as a form without a secret, and switched off by the form', () => {
    owner.send(joinStanza(room, 'owner'));
    expect(errorCondition(owner.send(configureStanza(room, { passwordprotectedroom: '1' }))[0])).toBe('not-acceptable');
    createRoom({ passwordprotectedroom: '1', roomsecret: 'x' });
    owner.send(configureStanza(room, { passwordprotectedroom: '0' }));
    expect(discoFeatures(bob)).toContain('muc_unsecured');
    expect(selfPresence(bob.send(joinStanza(room, 'bob')))).toBeDefined();
  });
});

describe('members-only', () => {
  it('refuses a non-member with registration-required, and admits them once they are a member', () => {
    createRoom({ membersonly: '1' });
    expect(discoFeatures(bob)).toContain('muc_membersonly');
    expect(errorCondition(bob.send(joinStanza(room, 'bob'))[0])).toBe('registration-required');
    const granted = owner.send(xml('iq', { type: 'set', to: room, id: 'member' },
      xml('query', { xmlns: NS.mucAdmin }, xml('item', { jid: 'bob@localhost', affiliation: 'member' }))));
    expect(granted.find((stanza) => stanza.name === 'iq')?.attrs.type).toBe('result');
    expect(selfPresence(bob.send(joinStanza(room, 'bob')))).toBeDefined();
  });

  it('removes non-members (322) once they have read that the room changed (104)', () => {
    createRoom({});
    bob.send(joinStanza(room, 'bob'));
    const received = owner.send(configureStanza(room, { membersonly: '1' }));
    expect(received.find((stanza) => stanza.name === 'iq')?.attrs.type).toBe('result');
    const told = bob.received.findIndex((stanza) => stanza.name === 'message' && statusCodes(stanza).includes(104));
    const removed = bob.received.findIndex((stanza) => stanza.attrs.type === 'unavailable' && statusCodes(stanza).includes(322));
    expect(told).toBeGreaterThanOrEqual(0);
    expect(removed).toBeGreaterThan(told);
    expect(fixture.service.getRoom('talk')?.occupantByNick('bob')).toBeUndefined();
  });

  it('checks membership before the password', () => {
    createRoom({ membersonly: '1', passwordprotectedroom: '1', roomsecret: 'x' });
    expect(errorCondition(bob.send(joinStanza(room, 'bob'))[0])).toBe('registration-required');
  });
});

describe('moderated rooms', () => {
  it('make a newcomer a visitor whose messages are refused and reach nobody', () => {
    createRoom({ moderatedroom: '1' });
    const entered = selfPresence(bob.send(joinStanza(room, 'bob')))!;
    expect(entered.getChild('x', NS.mucUser)?.getChild('item')?.attrs.role).toBe('visitor');
    const ownerBefore = owner.received.length;
    expect(errorCondition(bob.send(groupchat('may I?'))[0])).toBe('forbidden');
    expect(owner.received.length).toBe(ownerBefore);
  });

  it('let a participant of an unmoderated room speak to everyone', () => {
    createRoom({});
    bob.send(joinStanza(room, 'bob'));
    bob.send(groupchat('hello'));
    expect(bodies(owner.received)).toContain('hello');
  });
});

describe('history', () => {
  it('sends a joiner the configured number of last messages', () => {
    createRoom({ historylength: '2' });
    for (const body of ['one', 'two', 'three']) owner.send(groupchat(body));
    const received = bob.send(joinStanza(room, 'bob'));
    expect(bodies(received)).toEqual(['two', 'three']);
    expect(received.filter((stanza) => bodyOf(stanza) !== undefined).every((stanza) => stanza.toString().includes(`<delay xmlns="${NS.delay}"`))).toBe(true);
  });
});

describe('whois', () => {
  const ownersItem = (received: Element[]) => received
    .find((stanza) => stanza.name === 'presence' && stanza.attrs.from === `${room}/owner`)
    ?.getChild('x', NS.mucUser)?.getChild('item');

  it('hides real JIDs from participants of a semi-anonymous room', () => {
    createRoom({ whois: 'moderators' });
    expect(discoFeatures(bob)).toContain('muc_semianonymous');
    expect(ownersItem(bob.send(joinStanza(room, 'bob')))?.attrs.jid).toBeUndefined();
  });

  it('shows them in a non-anonymous room, and says so to the joiner (100)', () => {
    createRoom({ whois: 'anyone' });
    const received = bob.send(joinStanza(room, 'bob'));
    expect(ownersItem(received)?.attrs.jid).toBe(owner.jid);
    expect(statusCodes(selfPresence(received)!)).toContain(100);
  });
});

describe('subject', () => {
  const subject = (text: string) => xml('message', { to: room, type: 'groupchat' }, xml('subject', {}, text));

  it('is a moderator\'s to change unless participants may', () => {
    createRoom({ changesubject: '0' });
    bob.send(joinStanza(room, 'bob'));
    expect(errorCondition(bob.send(subject('mine now'))[0])).toBe('forbidden');
    owner.send(configureStanza(room, { changesubject: '1' }));
    bob.send(subject('mine now'));
    expect(owner.received.some((stanza) => stanza.getChildText('subject') === 'mine now')).toBe(true);
  });
});

describe('private messages', () => {
  it('are refused when the room allows none, and pass when it allows them', () => {
    createRoom({ allowpm: 'none' });
    bob.send(joinStanza(room, 'bob'));
    const pm = () => xml('message', { to: `${room}/owner`, type: 'chat' }, xml('body', {}, 'psst'));
    expect(errorCondition(bob.send(pm())[0])).toBe('forbidden');
    owner.send(configureStanza(room, { allowpm: 'anyone' }));
    bob.send(pm());
    expect(bodies(owner.received)).toContain('psst');
  });
});

describe('public rooms, titles and capacity', () => {
  it('lists a public room under its title, and not a hidden one', () => {
    createRoom({ roomname: 'Talk', publicroom: '1' });
    expect(fixture.service.host.items).toEqual([{ jid: room, name: 'Talk' }]);
    owner.send(configureStanza(room, { publicroom: '0' }));
    expect(fixture.service.host.items).toEqual([]);
  });

  it('refuses a joiner when the room is full', () => {
    createRoom({ maxusers: '1' });
    expect(errorCondition(bob.send(joinStanza(room, 'bob'))[0])).toBe('service-unavailable');
  });
});
