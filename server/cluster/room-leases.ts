import { StanzaError } from '../xml/errors.js';
import type { Element } from '../xml/element.js';
import { tryParseJid } from '../jid/jid.js';
import type { Host, StanzaContext, Target } from '../core/host.js';
import type { Router } from '../core/router.js';
import type { SessionRegistry } from '../core/sessions.js';
import type { RoomHosting, RoomListing, RoomPlacement, SavedRoom } from '../core/room-hosting.js';
import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterKeys } from './keys.js';
import { forwardFrame } from './frames.js';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_MS } from './membership.js';
import { RoomList } from './room-list.js';
import { UnreflectedMessages } from './room-unreflected.js';

/** As long as a heartbeat: a dead node's rooms are free when the others notice its death. */
export const LEASE_TTL_MS = HEARTBEAT_TTL_MS;
/** Stanzas for a room whose server is being found out; more are refused (wait) rather than kept. */
const MAX_WAITING = 1_000;
/** Field of a saved room naming the member that serves it (never a full JID: no '/'). */
const SERVED_BY = '~by';
/** How often a stanza waiting for an unreachable room's lease asks again. */
const WAIT_FOR_LEASE_MS = 250;
/** What a node that stopped left of a room, for whoever serves it next; then it is forgotten. */
const SAVED_AFTER_STOP_MS = 3_600_000;

/** Renews the lease if this member still holds it. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Gives the lease up if this member holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Takes the lease when it is free or still names the dead member. */
const TAKE_OVER = `local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) return 1 end
return 0`;

/** A room across the cluster: `<domain>/<localpart>`. */
function roomKey(domain: string, local: string): string {
  return `${domain}/${local}`;
}

function splitRoomKey(key: string): { domain: string; local: string } {
  const slash = key.indexOf('/');
  return { domain: key.slice(0, slash), local: key.slice(slash + 1) };
}

/**
 * One node serves a room at a time: the one whose lease (a Redis key with a TTL, renewed with
 * the heartbeat) names it. A stanza for a room entering any node goes to that node's inbox with
 * the address it came from, and is routed there as if its sender's session (replicated there)
 * had sent it. When nobody serves the room, the node where the stanza entered claims it. What
 * the serving node writes after each change of a room (RoomPlacement.save) lets another node
 * take the room over, with its occupants, when it dies or stops.
 */
export class RoomLeases implements RoomPlacement {
  /** Rooms this node serves. */
  private readonly served = new Set<string>();
  /** Who serves the rooms this node forwarded to (forgotten when released or dead). */
  private readonly owners = new Map<string, string>();
  /** Stanzas waiting while this node finds out who serves their room (in arrival order). */
  private readonly waiting = new Map<string, StanzaContext[]>();
  /** What this node last wrote for each room it serves, so that a change writes only what changed. */
  private readonly written = new Map<string, SavedRoom>();
  private readonly hostings = new Map<string, RoomHosting>();
  private readonly takingOver = new Set<string>();
  /** What every node reads of the rooms served here (the room list, creators' counts). */
  private readonly list: RoomList;
  /** Room messages forwarded to another member, until the room reflects them to their sender. */
  readonly unreflected = new UnreflectedMessages();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly keys: ClusterKeys,
    private readonly router: Router,
    private readonly sessions: SessionRegistry,
    private readonly log: Logger,
    /** Its heartbeat is gone: its sessions are forgotten before its rooms are rebuilt without them. */
    private readonly memberIsDead: (member: string) => void,
  ) {
    this.list = new RoomList(connection, keys, log);
  }

  /** Rooms of this host are served by one node at a time from now on. */
  install(host: Host, hosting: RoomHosting): void {
    this.hostings.set(host.name, hosting);
    hosting.placement = this;
    host.divert = (ctx, target) => this.divert(ctx, target);
  }

  start(): void {
    this.timer = setInterval(() => void this.renew(), HEARTBEAT_INTERVAL_MS);
  }

  /** How many rooms this node serves (for logs and tests). */
  get servedCount(): number {
    return this.served.size;
  }

  /** Whether this node serves the room (tests). */
  serves(domain: string, local: string): boolean {
    return this.served.has(roomKey(domain, local));
  }

  // --- Stanzas -----------------------------------------------------------------------------

  private divert(ctx: StanzaContext, target: Target): boolean {
    if (this.stopped) return false;
    // The service itself answers on every node, from what all of them listed.
    if (target === 'host') return this.hostings.get(ctx.host.name)?.serviceStanza(ctx) ?? false;
    if (ctx.to.local === null) return false;
    const key = roomKey(ctx.host.name, ctx.to.local);
    const queue = this.waiting.get(key);
    if (queue) {
      if (queue.length < MAX_WAITING) queue.push(ctx);
      else this.router.bounce(ctx.stanza, new StanzaError('wait', 'resource-constraint', 'the room is busy; try again'), ctx.origin);
      return true;
    }
    if (this.served.has(key)) return false;
    const owner = this.owners.get(key);
    if (owner) {
      this.forward(key, owner, ctx);
      return true;
    }
    this.waiting.set(key, [ctx]);
    void this.settle(key, () => this.claim(key));
    return true;
  }

  /**
   * To the serving member's inbox. Nobody listening there means the member died (or lost
   * Redis): the stanza waits, with the ones after it, until the room has a server again,
   * rather than being lost.
   */
  private forward(key: string, owner: string, ctx: StanzaContext): void {
    this.unreflected.keep(owner, ctx);
    this.connection.redis.publish(this.keys.inbox(owner), forwardFrame(ctx.from.toString(), ctx.stanza.toString())).then((receivers) => {
      if (receivers > 0) return;
      if (this.owners.get(key) === owner) this.owners.delete(key);
      // What it took just before it died and never reflected goes first, to the room's next server.
      const earlier = this.unreflected.take(owner, ctx);
      const again = [...earlier.filter((other) => this.keyOf(other) === key), ctx];
      for (const other of earlier) if (this.keyOf(other) !== key) this.router.route(other.stanza, other.origin);
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push(...again);
        return;
      }
      this.waiting.set(key, again);
      void this.settle(key, () => this.claimFrom(key, owner));
    }, (error: unknown) => {
      this.log.warn({ err: error }, 'cluster: a stanza for a room served by another node was lost');
    });
  }

  private keyOf(ctx: StanzaContext): string {
    return roomKey(ctx.host.name, ctx.to.local ?? '');
  }

  /** A stanza another node forwarded to a room it believes this node serves. */
  arrived(from: string, stanza: Element): void {
    const jid = tryParseJid(from);
    if (!jid) return;
    stanza.attrs.from = from;
    const origin = jid.resource === null ? null : this.sessions.get(jid) ?? null;
    this.router.route(stanza, origin);
  }

  /**
   * Runs `find` (which claims the room or learns who serves it) and then lets the waiting
   * stanzas go on, in order: handled here, forwarded, or refused when Redis could not tell.
   */
  private async settle(key: string, find: () => Promise<void>): Promise<void> {
    if (!this.waiting.has(key)) this.waiting.set(key, []);
    try {
      await find();
    } catch (error) {
      this.log.error({ err: error }, 'cluster: could not find out which node serves a room');
    }
    const { domain, local } = splitRoomKey(key);
    const hosting = this.hostings.get(domain);
    // A stanza that waited may create the room here: the cluster's part of its checks first.
    const creating = this.served.has(key) && hosting?.has(local) === false;
    if (creating) {
      try {
        await hosting!.beforeCreation(local, [...this.waiting.get(key) ?? []]);
      } catch (error) {
        this.log.warn({ err: error }, 'cluster: could not read what creating a room depends on; this node\'s view decides');
      }
    }
    const queue = this.waiting.get(key) ?? [];
    this.waiting.delete(key);
    const known = this.served.has(key) || this.owners.has(key);
    for (const ctx of queue) {
      if (known) this.router.route(ctx.stanza, ctx.origin);
      else this.router.bounce(ctx.stanza, new StanzaError('wait', 'internal-server-error', 'the room cannot be reached now; try again'), ctx.origin);
    }
    if (creating) hosting!.settled(local);
    // Claimed for a stanza to a room that does not exist (and was not created by it): let it go.
    if (this.served.has(key) && hosting?.has(local) === false) this.ended(domain, local);
  }

  private async claim(key: string): Promise<void> {
    const { redis, member } = this.connection;
    for (let attempt = 0; attempt < 3; attempt++) {
      const won = await redis.set(this.keys.lease(key), member, 'PX', LEASE_TTL_MS, 'NX');
      const holder = won === null ? await redis.get(this.keys.lease(key)) : member;
      if (holder === member) {
        await this.serve(key);
        return;
      }
      if (holder !== null) {
        this.owners.set(key, holder);
        return;
      }
      // Released between the two commands: try again.
    }
  }

  /**
   * The member that served the room does not read its inbox: once its lease is gone, or its
   * heartbeat (it died), the room is claimed or taken over; meanwhile this waits.
   */
  private async claimFrom(key: string, unreachable: string): Promise<void> {
    const { redis, member } = this.connection;
    const deadline = Date.now() + LEASE_TTL_MS + HEARTBEAT_INTERVAL_MS;
    while (!this.stopped && Date.now() < deadline) {
      const holder = await redis.get(this.keys.lease(key));
      if (holder !== unreachable) {
        if (holder === null) await this.claim(key);
        else if (holder === member) await this.serve(key);
        else this.owners.set(key, holder);
        return;
      }
      if (await redis.exists(this.keys.heartbeat(unreachable)) === 0) {
        if (await this.takeOver(key, unreachable)) return;
      } else {
        await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_LEASE_MS));
      }
    }
  }

  /** Takes the lease of a dead member's room (true), unless another node was first (false). */
  private async takeOver(key: string, dead: string): Promise<boolean> {
    const { redis, member } = this.connection;
    const taken = await redis.eval(TAKE_OVER, 1, this.keys.lease(key), member, dead, String(LEASE_TTL_MS));
    if (taken !== 1) return false;
    this.memberIsDead(dead);
    await redis.srem(this.keys.roomsOf(dead), key);
    await this.serve(key);
    this.log.warn({ node: dead, room: key }, 'cluster: took over a room of a node that died');
    return true;
  }

  /** This node holds the lease: the room's feature loads it (with what a predecessor left). */
  private async serve(key: string): Promise<void> {
    const { domain, local } = splitRoomKey(key);
    const hosting = this.hostings.get(domain);
    if (!hosting) return;
    const { redis, member } = this.connection;
    const [saved] = await Promise.all([
      redis.hgetall(this.keys.savedRoom(key)),
      redis.sadd(this.keys.roomsOf(member), key),
    ]);
    // Its lease may expire before its heartbeat: the previous server's sessions go first, so
    // that the room is rebuilt without them.
    const previous = saved[SERVED_BY];
    delete saved[SERVED_BY];
    if (previous !== undefined && previous !== member && await redis.exists(this.keys.heartbeat(previous)) === 0) {
      this.memberIsDead(previous);
    }
    await redis.hset(this.keys.savedRoom(key), SERVED_BY, member);
    this.owners.delete(key);
    this.written.set(key, saved);
    this.served.add(key);
    await hosting.claimed(local, Object.keys(saved).length > 0 ? saved : null);
  }

  // --- RoomPlacement -----------------------------------------------------------------------

  save(domain: string, local: string, next: SavedRoom, listing: RoomListing): void {
    const key = roomKey(domain, local);
    if (!this.served.has(key)) return;
    this.list.write(domain, local, listing);
    const previous = this.written.get(key) ?? {};
    this.written.set(key, next);
    const transaction = this.connection.redis.multi();
    let changes = 0;
    for (const [field, value] of Object.entries(next)) {
      if (previous[field] !== value) {
        transaction.hset(this.keys.savedRoom(key), field, value);
        changes++;
      }
    }
    for (const field of Object.keys(previous)) {
      if (!Object.hasOwn(next, field)) {
        transaction.hdel(this.keys.savedRoom(key), field);
        changes++;
      }
    }
    if (changes === 0) return;
    transaction.exec().catch((error: unknown) => this.log.error({ err: error }, 'cluster: could not save a room for a takeover'));
  }

  ended(domain: string, local: string): void {
    const key = roomKey(domain, local);
    if (!this.served.delete(key)) return;
    this.written.delete(key);
    this.list.remove(domain, local);
    const { redis, member } = this.connection;
    redis.multi()
      .eval(RELEASE, 1, this.keys.lease(key), member)
      .del(this.keys.savedRoom(key))
      .srem(this.keys.roomsOf(member), key)
      .publish(this.keys.released, `${member}\n${key}`)
      .exec()
      .catch((error: unknown) => this.log.error({ err: error }, 'cluster: could not give up the lease of a room that ended'));
  }

  servedRooms(domain: string): Promise<Map<string, RoomListing>> {
    return this.list.served(domain);
  }

  roomsCreatedBy(domain: string, creator: string): Promise<Set<string>> {
    return this.list.createdBy(domain, creator);
  }

  // --- Other nodes -------------------------------------------------------------------------

  /** A node gave a room up: nothing more is forwarded to it for that room. */
  releasedElsewhere(message: string): void {
    const newline = message.indexOf('\n');
    const key = message.slice(newline + 1);
    if (newline > 0 && this.owners.get(key) === message.slice(0, newline)) this.owners.delete(key);
  }

  /** A member left or was cleaned up as dead: whoever serves its rooms now is asked again. */
  memberGone(gone: string): void {
    for (const [key, owner] of this.owners) if (owner === gone) this.owners.delete(key);
    // Sent again, in order, to whichever node serves each room next.
    for (const ctx of this.unreflected.take(gone)) this.router.route(ctx.stanza, ctx.origin);
  }

  /**
   * A member died: its rooms are claimed at once (by whichever node is first), so that their
   * occupants on the other nodes stay in without rejoining.
   */
  async memberDied(dead: string): Promise<void> {
    if (this.takingOver.has(dead) || this.stopped) return;
    this.takingOver.add(dead);
    try {
      this.memberGone(dead);
      const { redis, member } = this.connection;
      const rooms = await redis.smembers(this.keys.roomsOf(dead));
      for (const key of rooms) {
        if (this.served.has(key) || this.waiting.has(key)) continue;
        await this.settle(key, async () => {
          if (await this.takeOver(key, dead)) return;
          const holder = await redis.get(this.keys.lease(key));
          if (holder && holder !== member) this.owners.set(key, holder);
        });
      }
    } catch (error) {
      this.log.error({ err: error, node: dead }, 'cluster: could not take over the rooms of a node that died');
    } finally {
      this.takingOver.delete(dead);
    }
  }

  private async renew(): Promise<void> {
    if (this.served.size === 0) return;
    const { redis, member } = this.connection;
    const keys = [...this.served];
    try {
      const results = await redis.pipeline(keys.map((key) => ['eval', RENEW, '1', this.keys.lease(key), member, String(LEASE_TTL_MS)])).exec();
      keys.forEach((key, i) => {
        const [error, renewed] = results?.[i] ?? [null, 1];
        if (error || renewed !== 0 || !this.served.has(key)) return;
        // Another node serves it now (this one was cut off from Redis for longer than the TTL).
        this.served.delete(key);
        this.written.delete(key);
        const { domain, local } = splitRoomKey(key);
        this.list.forget(domain, local);
        this.hostings.get(domain)?.lost(local);
        this.log.warn({ room: key }, 'cluster: this node lost the lease of a room');
      });
    } catch (error) {
      this.log.warn({ err: error }, 'cluster: could not renew the leases of rooms');
    }
  }

  /**
   * Gives every lease up: the next stanza for one of these rooms makes another node claim it,
   * with the occupants this node saved (those whose sessions ended with it leave).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { redis, member } = this.connection;
    const transaction = redis.multi();
    for (const key of this.served) {
      transaction.eval(RELEASE, 1, this.keys.lease(key), member)
        .pexpire(this.keys.savedRoom(key), SAVED_AFTER_STOP_MS)
        .publish(this.keys.released, `${member}\n${key}`);
    }
    transaction.del(this.keys.roomsOf(member));
    this.served.clear();
    try {
      await Promise.all([transaction.exec(), this.list.stop()]);
    } catch (error) {
      this.log.warn({ err: error }, 'cluster: could not give up the leases of rooms; they expire by themselves');
    }
  }
}
