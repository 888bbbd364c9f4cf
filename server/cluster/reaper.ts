import type { ServerEvents } from '../core/events.js';
import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';
import { SEQUENCE_FIELD, type ClusterKeys } from './keys.js';
import { HEARTBEAT_TTL_MS } from './membership.js';
import type { Replicas } from './replicas.js';
import type { DirectoryEvent } from './directory-events.js';

/** The lock outlives the time every other node takes to notice the same death. */
const REAPER_LOCK_MS = HEARTBEAT_TTL_MS * 2 + 3_000;

/**
 * A member died: every node forgets its sessions; the one node that takes the member's lock
 * announces them as closed ('session-closed', from the sessions in the dead member's hash), so
 * that contacts get unavailable presence once, as if the connections had dropped, and
 * removes the member's keys.
 */
export class Reaper {
  private readonly reaping = new Set<string>();
  stopped = false;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly keys: ClusterKeys,
    private readonly replicas: Replicas,
    private readonly events: ServerEvents,
    private readonly log: Logger,
  ) {}

  async reap(dead: string): Promise<void> {
    if (this.reaping.has(dead) || this.stopped) return;
    this.reaping.add(dead);
    const { redis, member } = this.connection;
    try {
      this.replicas.drop(dead, true);
      const won = await redis.set(this.keys.reaper(dead), member, 'PX', REAPER_LOCK_MS, 'NX');
      if (won === null) return;
      const records = await redis.hgetall(this.keys.sessions(dead));
      delete records[SEQUENCE_FIELD];
      const closed = this.replicas.detached(dead, records);
      this.log.warn({ node: dead, sessions: closed.length }, 'cluster: a node died; its sessions are closed');
      for (const session of closed) this.events.emit('session-closed', session);
      await redis.multi()
        .del(this.keys.sessions(dead))
        .srem(this.keys.members, dead)
        .publish(this.keys.directory, JSON.stringify({ m: dead, op: 'gone' } satisfies DirectoryEvent))
        .exec();
    } catch (error) {
      this.log.error({ err: error, node: dead }, 'cluster: could not clean up after a dead node');
    } finally {
      this.reaping.delete(dead);
    }
  }

  /** Whether another node cleaned this member up as dead (its heartbeat had expired). */
  async wasReaped(): Promise<boolean> {
    return await this.connection.redis.exists(this.keys.reaper(this.connection.member)) === 1;
  }
}
