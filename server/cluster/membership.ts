import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterKeys } from './keys.js';

/** A member refreshes its heartbeat this often… */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/** …and is dead when it has not for this long: noticed within TTL + one interval (8 s < 10 s). */
export const HEARTBEAT_TTL_MS = 6_000;

export interface MembershipHandlers {
  /** A member's heartbeat expired. Called on every node that notices, each time it notices. */
  dead(member: string): void;
  /** This member's own heartbeat had expired: others may have cleaned it up as dead. */
  expired(): void;
}

/**
 * Heartbeats with a TTL in Redis, and the watch over the other members' ones. Every node
 * watches every member, so a dead one is noticed whichever nodes survive.
 */
export class Membership {
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly keys: ClusterKeys,
    private readonly handlers: MembershipHandlers,
    private readonly log: Logger,
  ) {}

  async join(): Promise<void> {
    const { redis, member } = this.connection;
    await redis.multi()
      .set(this.keys.heartbeat(member), String(Date.now()), 'PX', HEARTBEAT_TTL_MS)
      .sadd(this.keys.members, member)
      .exec();
    this.timer = setInterval(() => void this.tick(), HEARTBEAT_INTERVAL_MS);
  }

  /** Leaves cleanly: the caller has announced the sessions' end already. */
  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const { redis, member } = this.connection;
    await redis.multi()
      .srem(this.keys.members, member)
      .del(this.keys.heartbeat(member), this.keys.sessions(member))
      .publish(this.keys.directory, JSON.stringify({ m: member, op: 'gone' }))
      .exec();
  }

  /** The members whose heartbeat is alive, this one excepted. */
  async liveOthers(): Promise<{ live: string[]; dead: string[] }> {
    const { redis, member } = this.connection;
    const members = (await redis.smembers(this.keys.members)).filter((other) => other !== member);
    if (members.length === 0) return { live: [], dead: [] };
    const exists = await redis.pipeline(members.map((other) => ['exists', this.keys.heartbeat(other)])).exec();
    const live: string[] = [];
    const dead: string[] = [];
    members.forEach((other, i) => (exists?.[i]?.[1] === 1 ? live : dead).push(other));
    return { live, dead };
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const { redis, member } = this.connection;
      const refreshed = await redis.set(this.keys.heartbeat(member), String(Date.now()), 'PX', HEARTBEAT_TTL_MS, 'XX');
      if (refreshed === null) {
        await redis.multi()
          .set(this.keys.heartbeat(member), String(Date.now()), 'PX', HEARTBEAT_TTL_MS)
          .sadd(this.keys.members, member)
          .exec();
        this.handlers.expired();
      }
      for (const other of (await this.liveOthers()).dead) this.handlers.dead(other);
    } catch (error) {
      this.log.warn({ err: error }, 'cluster: heartbeat failed');
    } finally {
      this.ticking = false;
    }
  }
}
