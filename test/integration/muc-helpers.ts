/** Shared steps for the room tests (muc-*.test.ts): servers, clients, joining, an inbox. */
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';
import { deriveAllScramCredentials } from '../../server/sasl/scram-credentials.js';
import type { ConfigInput } from '../../server/config/load.js';

export { xml };
export type { XmppClient };

export const MUC = 'conference.localhost';
export const NS_MUC = 'http://jabber.org/protocol/muc';
export const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
export const NS_MUC_ADMIN = 'http://jabber.org/protocol/muc#admin';
export const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
export const NS_DATA = 'jabber:x:data';
export const PASSWORD = 'room test pw';

// Stanzas from @xmpp/client are untyped ltx elements.
export type Stanza = any;

/** Every stanza a client receives, kept so that a test can wait for one that already arrived. */
export class Inbox {
  private readonly seen: Stanza[] = [];
  private waiters: { predicate: (stanza: Stanza) => boolean; resolve: (stanza: Stanza) => void }[] = [];

  constructor(readonly client: XmppClient) {
    client.on('stanza', (stanza: Stanza) => {
      const waiter = this.waiters.find((candidate) => candidate.predicate(stanza));
      if (waiter) {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        waiter.resolve(stanza);
      } else {
        this.seen.push(stanza);
      }
    });
  }

  /** The first stanza (already received or coming) that matches; it is taken from the inbox. */
  next(predicate: (stanza: Stanza) => boolean, timeoutMs = 5000): Promise<Stanza> {
    const index = this.seen.findIndex(predicate);
    if (index !== -1) return Promise.resolve(this.seen.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve: (stanza: Stanza) => { clearTimeout(timer); resolve(stanza); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        reject(new Error(`timed out waiting for a stanza; received meanwhile:\n${this.seen.map(String).join('\n')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Whether any stanza matching arrived (without waiting). */
  has(predicate: (stanza: Stanza) => boolean): boolean {
    return this.seen.some(predicate);
  }

  /** Takes every stanza received so far that matches. */
  take(predicate: (stanza: Stanza) => boolean): Stanza[] {
    const taken = this.seen.filter(predicate);
    for (const stanza of taken) this.seen.splice(this.seen.indexOf(stanza), 1);
    return taken;
  }

  clear(): void {
    this.seen.length = 0;
  }
}

export interface User {
  client: XmppClient;
  inbox: Inbox;
  jid: string;
  bare: string;
}

export async function startMucServer(overrides: ConfigInput = {}, options: { dataDir?: string; now?: () => number } = {}): Promise<TestServer> {
  return startTestServer(overrides, options);
}

export async function createAccount(server: TestServer, name: string): Promise<void> {
  const accounts = server.server.context.storage.accounts;
  if (!accounts.exists(name, 'localhost')) accounts.create(name, 'localhost', await deriveAllScramCredentials(PASSWORD, 4096));
}

/** An account holder, signed in and online (the account is created if needed). */
export async function signIn(server: TestServer, name: string, resource?: string): Promise<User> {
  await createAccount(server, name);
  return wrap(await connectClient({ port: server.c2sPort, username: name, password: PASSWORD, resource }));
}

/** A guest with a fresh anonymous JID. */
export async function guest(server: Pick<TestServer, 'c2sPort'>): Promise<User> {
  return wrap(await connectClient({ port: server.c2sPort }));
}

async function wrap(client: XmppClient): Promise<User> {
  const inbox = new Inbox(client);
  const jid = client.jid!.toString();
  return { client, inbox, jid, bare: jid.split('/')[0]! };
}

export function roomJid(room: string): string {
  return `${room}@${MUC}`;
}

export interface JoinOptions {
  password?: string;
  history?: Record<string, string>;
  /** Wait for the subject (the end of the join); false to return at the self-presence. */
  untilSubject?: boolean;
  /**
   * When the join creates the room (201), accept the default configuration (an instant room,
   * as Converse.js does) so that others may enter; false leaves the room locked.
   */
  instant?: boolean;
}

/**
 * Sends the join presence and waits for the self-presence (status 110) or an error presence;
 * returns it. Everything received before the subject stays in the inbox unless taken. A room
 * the join created is made an instant room (XEP-0045 §10.1.2) unless `instant` is false.
 */
export async function join(user: User, room: string, nick: string, options: JoinOptions = {}): Promise<Stanza> {
  const to = `${roomJid(room)}/${nick}`;
  const self = user.inbox.next((stanza) => stanza.is('presence') && stanza.attrs.from?.startsWith(`${roomJid(room)}/`) &&
    (stanza.attrs.type === 'error' || hasStatus(stanza, 110)));
  await user.client.send(xml('presence', { to },
    xml('x', { xmlns: NS_MUC },
      options.password !== undefined && xml('password', {}, options.password),
      options.history && xml('history', options.history))));
  const presence = await self;
  if (presence.attrs.type !== 'error' && options.untilSubject !== false) {
    await user.inbox.next((stanza) => stanza.is('message') && stanza.getChild('subject') !== undefined && !stanza.getChild('body'));
  }
  if (hasStatus(presence, 201) && options.instant !== false) await instantRoom(user, room);
  return presence;
}

/** Accepts a new room's default configuration: the empty form submit of XEP-0045 §10.1.2. */
export function instantRoom(user: User, room: string): Promise<Stanza> {
  return iq(user, 'set', roomJid(room), xml('query', { xmlns: NS_MUC_OWNER }, xml('x', { xmlns: NS_DATA, type: 'submit' })));
}

export function mucUser(stanza: Stanza): Stanza | undefined {
  return stanza.getChild('x', NS_MUC_USER);
}

export function statusCodes(stanza: Stanza): number[] {
  return (mucUser(stanza)?.getChildren('status') ?? []).map((status: Stanza) => Number(status.attrs.code));
}

export function hasStatus(stanza: Stanza, code: number): boolean {
  return statusCodes(stanza).includes(code);
}

export function item(stanza: Stanza): Stanza | undefined {
  return mucUser(stanza)?.getChild('item');
}

export function errorCondition(stanza: Stanza): string | undefined {
  return stanza.getChild('error')?.getChildElements().find((child: Stanza) => child.name !== 'text')?.name;
}

export function presenceFrom(room: string, nick: string, type?: string): (stanza: Stanza) => boolean {
  return (stanza) => stanza.is('presence') && stanza.attrs.from === `${roomJid(room)}/${nick}` && stanza.attrs.type === type;
}

export function groupchatFrom(room: string, nick: string, body?: string): (stanza: Stanza) => boolean {
  return (stanza) => stanza.is('message') && stanza.attrs.type === 'groupchat' && stanza.attrs.from === `${roomJid(room)}/${nick}` &&
    (body === undefined || stanza.getChildText('body') === body);
}

export function say(user: User, room: string, body: string, extra: Stanza[] = []): Promise<void> {
  return user.client.send(xml('message', { to: roomJid(room), type: 'groupchat' }, xml('body', {}, body), ...extra));
}

/** Sends an iq and resolves with the result, or rejects with the error (err.condition). */
export function iq(user: User, type: 'get' | 'set', to: string, payload: Stanza): Promise<Stanza> {
  return user.client.iqCaller.request(xml('iq', { type, to }, payload));
}

/** Submits a room configuration form with the given fields (values as strings). */
export function configure(user: User, room: string, fields: Record<string, string>): Promise<Stanza> {
  return iq(user, 'set', roomJid(room), xml('query', { xmlns: NS_MUC_OWNER },
    xml('x', { xmlns: NS_DATA, type: 'submit' },
      xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
      ...Object.entries(fields).map(([name, value]) => xml('field', { var: name }, xml('value', {}, value))))));
}

/** Changes roles or affiliations with muc#admin items. */
export function admin(user: User, room: string, ...items: Record<string, string>[]): Promise<Stanza> {
  return iq(user, 'set', roomJid(room), xml('query', { xmlns: NS_MUC_ADMIN },
    ...items.map(({ reason, ...attrs }) => xml('item', attrs, reason !== undefined && xml('reason', {}, reason)))));
}

const NS_MAM = 'urn:xmpp:mam:2';

/** The bodies of every message a room's archive (MAM) gives this user, oldest first; rejects with the iq error. */
export async function archivedBodies(user: User, room: string): Promise<string[]> {
  const queryid = `all-${Math.random().toString(36).slice(2)}`;
  const bodies: string[] = [];
  const collect = (stanza: Stanza) => {
    const forwarded = stanza.getChild('result', NS_MAM)?.getChild('forwarded', 'urn:xmpp:forward:0');
    if (stanza.getChild('result', NS_MAM)?.attrs.queryid === queryid) bodies.push(forwarded?.getChild('message')?.getChildText('body') ?? '');
  };
  user.client.on('stanza', collect);
  try {
    await iq(user, 'set', roomJid(room), xml('query', { xmlns: NS_MAM, queryid }));
    return bodies;
  } finally {
    user.client.removeListener('stanza', collect);
  }
}

/**
 * A round trip (ping) on this user's own connection: whatever the server sent them before it
 * has arrived. Negative checks ("X never reached them") wait for this first, not for time.
 */
export async function settle(user: User): Promise<void> {
  await iq(user, 'get', user.client.jid!.domain, xml('ping', { xmlns: 'urn:xmpp:ping' }));
}

export async function stopAll(...users: (User | undefined)[]): Promise<void> {
  await Promise.all(users.map((user) => user?.client.stop().catch(() => {})));
}
