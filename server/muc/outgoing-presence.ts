import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import { fanOut, StanzaTemplate } from './fan-out.js';
import type { Occupant, OccupantSession } from './occupant.js';
import { occupantIdElement } from './occupant-id.js';
import type { Room } from './room.js';
import type { Affiliation, Role } from './types.js';

/** XEP-0045 §15.6 status codes used here. */
export const STATUS = {
  nonAnonymous: 100,
  self: 110,
  configChanged: 104,
  logging: 170,
  loggingOff: 171,
  nowNonAnonymous: 172,
  nowSemiAnonymous: 173,
  created: 201,
  nickModified: 210,
  banned: 301,
  nickChanged: 303,
  kicked: 307,
  affiliationChanged: 321,
  membersOnly: 322,
  shutdown: 332,
  error: 333,
} as const;

export interface PresenceChange {
  type?: 'unavailable';
  /** Codes everyone sees. */
  codes?: number[];
  /** Codes only the occupant's own resources see (110 is added). */
  selfCodes?: number[];
  /** 303: the nickname the occupant is changing to. */
  newNick?: string;
  /** Who made the change (kick, ban, affiliation change). */
  actor?: Occupant | null;
  reason?: string;
  destroy?: { jid?: string; reason?: string };
  /** The affiliation to report when the occupant no longer has it on record (destroy). */
  affiliation?: Affiliation;
  /** The resource the presence is about (its payload and real JID); the primary by default. */
  session?: OccupantSession;
  /** Payload instead of the session's (an unavailable presence's status). */
  payload?: Element[];
  /** Reported role; 'none' by default for unavailable presence other than a nick change. */
  role?: Role;
  /** Only the other occupants get it (an extra resource of an occupant left). */
  othersOnly?: boolean;
  /** The client's presence id, reflected on the self-presence. */
  selfId?: string;
  /** Send the self-presence only to this resource (join, leave of one resource). */
  selfOnly?: Jid;
}

interface Variant {
  /** The item shows the real JID. */
  realJid: boolean;
  /** The actor element shows the actor's real JID. */
  actorJid: boolean;
  self: boolean;
}

/** Builds the occupant's presence as one kind of viewer sees it. */
export function occupantPresence(room: Room, occupant: Occupant, change: PresenceChange, variant: Variant): Element {
  const session = change.session ?? (occupant.sessions.size > 0 ? occupant.primary : undefined);
  const payload = change.payload ?? (change.type === 'unavailable' ? [] : session?.presence ?? []);
  const affiliation = change.affiliation ?? room.affiliationOf(occupant.bare);
  const role = change.role ?? (change.type === 'unavailable' && change.newNick === undefined ? 'none' : occupant.role);
  const codes = [...(change.codes ?? []), ...(variant.self ? [...(change.selfCodes ?? []), STATUS.self] : [])];
  const actor = change.actor;
  return xml('presence', {
    from: room.jid.withResource(occupant.nick).toString(),
    type: change.type,
    id: variant.self ? change.selfId : undefined,
  },
  ...payload,
  xml('x', { xmlns: NS.mucUser },
    ...itemJids(occupant, change, variant, session).map((jid) => xml('item', { affiliation, role, jid, nick: change.newNick },
      actor && xml('actor', {
        nick: actor.nick,
        jid: variant.actorJid && actor.sessions.size > 0 ? actor.primary.jid.toString() : undefined,
      }),
      change.reason !== undefined && xml('reason', {}, change.reason))),
    change.destroy && xml('destroy', { jid: change.destroy.jid },
      change.destroy.reason !== undefined && xml('reason', {}, change.destroy.reason)),
    ...[...new Set(codes)].map((code) => xml('status', { code }))),
  occupantIdElement(occupant.occupantId));
}

/**
 * The real JIDs an item shows: none for those who may not see them; for the others, every
 * resource of a user who joined from several, the reported one first.
 */
function itemJids(occupant: Occupant, change: PresenceChange, variant: Variant, session: OccupantSession | undefined): (string | undefined)[] {
  if (!variant.realJid || !session) return [undefined];
  if (change.type === 'unavailable' && change.newNick === undefined) return [session.jid.toString()];
  const others = [...occupant.sessions.values()].filter((entry) => entry !== session).reverse();
  return [session, ...others].map((entry) => entry.jid.toString());
}

/**
 * Sends an occupant's presence to everyone in the room: the occupant's own resources get the
 * self-presence (110), moderators (or everyone, in non-anonymous rooms) see real JIDs. Each
 * variant is built once and fanned out.
 */
export function sendPresenceToRoom(muc: MucContext, room: Room, occupant: Occupant, change: PresenceChange): void {
  // Every change of an occupant (join, leave, nick, role, presence) is announced here.
  muc.noteChange(room);
  const withJid: Jid[] = [];
  const withoutJid: Jid[] = [];
  for (const { occupant: viewer, jid } of room.sessions()) {
    if (viewer === occupant) continue;
    (room.showsRealJidsTo(viewer) ? withJid : withoutJid).push(jid);
  }
  sendVariant(muc, room, occupant, change, { realJid: true, actorJid: true, self: false }, withJid);
  sendVariant(muc, room, occupant, change, { realJid: false, actorJid: false, self: false }, withoutJid);
  if (!change.othersOnly) sendSelfPresence(muc, room, occupant, change);
}

export function sendSelfPresence(muc: MucContext, room: Room, occupant: Occupant, change: PresenceChange): void {
  const own = change.selfOnly ? [change.selfOnly] : [...occupant.sessions.values()].map((entry) => entry.jid);
  const variant = { realJid: true, actorJid: room.showsRealJidsTo(occupant), self: true };
  sendVariant(muc, room, occupant, change, variant, own);
}

function sendVariant(muc: MucContext, room: Room, occupant: Occupant, change: PresenceChange, variant: Variant, to: Jid[]): void {
  if (to.length === 0) return;
  // Occupants' JIDs are always full; on a cluster, one frame per node that holds some of them.
  muc.server.router.deliverToEach(occupantPresence(room, occupant, change, variant), to);
}

/** The presence of every occupant (except `except`) as `viewer` sees it, for a joiner. */
export function sendOccupantList(muc: MucContext, room: Room, viewer: Occupant, to: Jid, except: Occupant): void {
  const realJid = room.showsRealJidsTo(viewer);
  const recipient = to.toString();
  for (const occupant of room.occupants.values()) {
    if (occupant === except) continue;
    muc.deliver(to, listedPresence(room, occupant, realJid).copyFor(recipient));
  }
}

/** What an occupant's listed presence was built from; it is rebuilt when any of it changes. */
interface ListedPresence {
  nick: string;
  role: Role;
  affiliation: Affiliation;
  session: OccupantSession;
  payload: Element[];
  withJid?: StanzaTemplate;
  withoutJid?: StanzaTemplate;
}

/**
 * Every joiner gets every occupant's presence: in a room of 500 that is 125 000 presences
 * for 500 joins, so each occupant's is serialised once per variant and reused while its
 * nick, role, affiliation and presence stay the same. An occupant joined from several
 * resources (whose item lists them all) is rare and not cached.
 */
const listedPresences = new WeakMap<Occupant, ListedPresence>();

function listedPresence(room: Room, occupant: Occupant, realJid: boolean): StanzaTemplate {
  const build = () => new StanzaTemplate(occupantPresence(room, occupant, {}, { realJid, actorJid: realJid, self: false }));
  if (occupant.sessions.size !== 1) return build();
  const session = occupant.primary;
  const affiliation = room.affiliationOf(occupant.bare);
  let listed = listedPresences.get(occupant);
  if (!listed || listed.nick !== occupant.nick || listed.role !== occupant.role || listed.affiliation !== affiliation
    || listed.session !== session || listed.payload !== session.presence) {
    listed = { nick: occupant.nick, role: occupant.role, affiliation, session, payload: session.presence };
    listedPresences.set(occupant, listed);
  }
  return realJid ? listed.withJid ??= build() : listed.withoutJid ??= build();
}

/** A groupchat message from the room itself carrying status codes (104, 170, 172, …). */
export function statusMessage(room: Room, codes: number[]): Element {
  return xml('message', { type: 'groupchat', from: room.jid.toString(), id: undefined },
    xml('x', { xmlns: NS.mucUser }, ...codes.map((code) => xml('status', { code }))));
}

/** What the room keeps of a client's presence: everything but MUC elements and room claims. */
export function clientPayload(stanza: Element): Element[] {
  return stanza.getChildElements().filter((child) => {
    const ns = child.getNS();
    return ns !== NS.muc && ns !== NS.mucUser && ns !== NS.occupantId;
  });
}
