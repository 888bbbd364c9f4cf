/**
 * A MUC host with the room core and the feature list, on memory storage and the real
 * router, with no sockets: each user is a session whose stream records what it is sent.
 * Everything the room does for a stanza happens before route() returns, so what a
 * recorder holds afterwards is all it will get for that stanza.
 */
import { pino } from 'pino';
import { xml, type Element } from '../../server/xml/element.js';
import { NS } from '../../server/xml/namespaces.js';
import { parseJid } from '../../server/jid/jid.js';
import { defaultConfig } from '../../server/config/load.js';
import type { ServerContext } from '../../server/core/context.js';
import { ServerEvents } from '../../server/core/events.js';
import type { Host } from '../../server/core/host.js';
import { HostRegistry } from '../../server/core/hosts.js';
import { Router } from '../../server/core/router.js';
import { Services } from '../../server/core/services.js';
import { Session } from '../../server/core/session.js';
import { SessionRegistry } from '../../server/core/sessions.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';
import type { Storage } from '../../server/storage/types.js';
import { ROOM_FEATURES } from '../../server/muc/features/index.js';
import { registerMucHandlers } from '../../server/muc/handlers.js';
import { MucService } from '../../server/muc/service.js';
import { RecordingSink } from './core-fixture.js';

export interface User {
  jid: string;
  /** Everything this user's session was sent, oldest first. */
  readonly received: Element[];
  /** Sends a stanza as this user (from is stamped, as the stream does); returns what it brought back to this user. */
  send(stanza: Element): Element[];
}

export interface RoomFixture {
  service: MucService;
  domain: string;
  user(full: string): User;
}

/** `storage` replaces parts of the memory storage (an archive store under test). */
export function roomFixture(options: { storage?: Partial<Storage> } = {}): RoomFixture {
  const config = defaultConfig();
  const storage: Storage = { ...createMemoryStorage(), ...options.storage };
  const hosts = new HostRegistry();
  const accounts: Host = hosts.add(config.server.domain, 'account', storage);
  const mucHost = hosts.add(config.muc.domain, 'muc', storage);
  const sessions = new SessionRegistry();
  const log = pino({ level: 'silent' });
  const router = new Router(hosts, sessions, log);
  const server: ServerContext = {
    config, storage, hosts, sessions, router, log, events: new ServerEvents(log), services: new Services(), now: () => Date.now(),
  };
  const service = new MucService(mucHost, server, storage.rooms, ROOM_FEATURES);
  registerMucHandlers(mucHost, service);
  return {
    service,
    domain: config.muc.domain,
    user(full) {
      const sink = new RecordingSink();
      const session = new Session(parseJid(`${full}@${config.server.domain}/phone`), accounts, sink);
      session.presence = xml('presence');
      sessions.add(session);
      return {
        jid: session.jid.toString(),
        received: sink.sent,
        send(stanza) {
          const before = sink.sent.length;
          stanza.attrs.from = session.jid.toString();
          router.route(stanza, session);
          return sink.sent.slice(before);
        },
      };
    },
  };
}

/** A presence into room/nick, with the MUC element (and a password, when given). */
export function joinStanza(room: string, nick: string, password?: string): Element {
  return xml('presence', { to: `${room}/${nick}` },
    xml('x', { xmlns: NS.muc }, password === undefined ? undefined : xml('password', {}, password)));
}

/** An owner's configuration form with these muc#roomconfig_ values. */
export function configureStanza(room: string, values: Record<string, string>): Element {
  return xml('iq', { type: 'set', to: room, id: 'config' },
    xml('query', { xmlns: NS.mucOwner },
      xml('x', { xmlns: NS.dataForms, type: 'submit' },
        xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#roomconfig')),
        ...Object.entries(values).map(([name, value]) => xml('field', { var: `muc#roomconfig_${name}` }, xml('value', {}, value))))));
}

/** The defined condition of an error stanza, or undefined when it is not one. */
export function errorCondition(stanza: Element | undefined): string | undefined {
  if (stanza?.attrs.type !== 'error') return undefined;
  return stanza.getChild('error')?.getChildElements().find((child) => child.name !== 'text')?.name;
}

/** The status codes of an occupant presence or a room message. */
export function statusCodes(stanza: Element): number[] {
  return (stanza.getChild('x', NS.mucUser)?.getChildren('status') ?? []).map((status) => Number(status.attrs.code));
}
