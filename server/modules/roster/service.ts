import { randomBytes } from 'node:crypto';
import { xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import type { RosterItem, RosterStore } from '../../storage/types.js';
import type { Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { serviceKey } from '../../core/services.js';

/** Caps on what one user may keep (RFC 6121 leaves the limits to the server). */
export const ROSTER_LIMITS = {
  /** Items in an account's roster. */
  items: 1000,
  /** Items in a guest's roster (guests live minutes; their rosters live in memory). */
  guestItems: 100,
  /** Unanswered inbound subscription requests kept per user; further requests are dropped. */
  pendingIn: 200,
  /** Characters in an item's name and in a group name. */
  nameLength: 1023,
  /** Groups per item. */
  groups: 64,
} as const;

/** Provided by the roster module; presence and subscriptions use it. */
export const ROSTERS = serviceKey<RosterService>('rosters');

/**
 * Where rosters live and how they reach clients, shared by the roster and presence modules:
 * in the user's host's storage (a guest's in memory, see userStorageFor in startup/server.ts).
 */
export class RosterService {
  constructor(private readonly server: ServerContext) {}

  /** The store holding this bare JID's roster: its host's (guests: memory only). */
  storeFor(user: Jid): RosterStore {
    return (this.server.hosts.get(user.domain)?.users ?? this.server.storage).rosters;
  }

  get(user: Jid): RosterItem[] {
    return this.storeFor(user).get(user.toString()).items;
  }

  item(user: Jid, contact: Jid): RosterItem | undefined {
    return this.storeFor(user).getItem(user.toString(), contact.toString());
  }

  maxItems(user: Jid): number {
    return this.isGuestJid(user) ? ROSTER_LIMITS.guestItems : ROSTER_LIMITS.items;
  }

  /** Whether the user may get one more item. */
  hasRoomFor(user: Jid): boolean {
    return this.get(user).length < this.maxItems(user);
  }

  /** Stores the item and pushes it to the user's interested resources. */
  put(user: Jid, item: RosterItem): void {
    const version = this.storeFor(user).putItem(user.toString(), item);
    this.push(user, itemElement(item), version);
  }

  /** Removes the item (if present) and pushes the removal. */
  remove(user: Jid, contact: Jid): void {
    const store = this.storeFor(user);
    if (!store.getItem(user.toString(), contact.toString())) return;
    const version = store.removeItem(user.toString(), contact.toString());
    this.push(user, xml('item', { jid: contact.toString(), subscription: 'remove' }), version);
  }

  /**
   * A local user exists: a guest while connected; an account when stored, or always in the
   * insecure test mode (any name signs in, so every name is a user).
   */
  userExists(user: Jid): boolean {
    if (user.local === null) return false;
    const host = this.server.hosts.get(user.domain);
    if (!host?.acceptsClients) return false;
    if (this.server.sessions.isOnline(user)) return true;
    if (host.kind === 'anonymous') return false;
    return this.server.config.server.auth === 'insecure' || this.server.storage.accounts.exists(user.local, user.domain);
  }

  /** Resources that fetched the roster (RFC 6121 §2.1.6); pushes and subscription notices go to them. */
  interested(user: Jid): Session[] {
    return this.server.sessions.of(user).filter((session) => session.interestedInRoster);
  }

  /** RFC 6121 §2.1.6 roster push, one per interested resource. */
  private push(user: Jid, item: Element, version: number): void {
    for (const session of this.interested(user)) {
      this.server.router.deliverTo(session.jid, xml('iq', { type: 'set', id: pushId(), to: session.jid.toString() },
        xml('query', { xmlns: NS.roster, ver: String(version) }, item)));
    }
  }

  private isGuestJid(user: Jid): boolean {
    return this.server.hosts.get(user.domain)?.kind === 'anonymous';
  }
}

/** RFC 6121 §2.1.2: an item as clients see it. */
export function itemElement(item: RosterItem): Element {
  return xml('item', {
    jid: item.jid,
    name: item.name,
    subscription: item.subscription,
    ask: item.ask ? 'subscribe' : undefined,
    approved: item.approved ? 'true' : undefined,
  }, ...item.groups.map((group) => xml('group', {}, group)));
}

function pushId(): string {
  return `push-${randomBytes(6).toString('base64url')}`;
}
