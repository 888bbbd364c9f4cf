import os from 'node:os';
import { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { randomId } from '../util/random-ids.js';

/** What other cluster parts (cluster-wide limits, rooms) take: a command connection and the key prefix. */
export interface RedisAccess {
  readonly redis: Redis;
  /** Prepended to every key and channel this cluster uses. */
  readonly prefix: string;
}

/**
 * This node's two Redis connections: `redis` for commands and publishing (one connection, so
 * what this node publishes arrives in the order it was sent), `subscriber` for pub/sub (a
 * subscribed connection takes no other commands).
 */
export interface ClusterConnection extends RedisAccess {
  readonly subscriber: Redis;
  /** The node's name in logs: [cluster].node, or `<hostname>-<pid>`. */
  readonly node: string;
  /**
   * This run of the node: the name plus a random suffix, so that a node restarted under the
   * same name is a new member and the sessions of its previous run are cleaned up as a dead node's.
   */
  readonly member: string;
  close(): Promise<void>;
}

export const DEFAULT_KEY_PREFIX = 'palaver:';

/** Long enough for a busy Redis, short enough that a stalled one is noticed (heartbeats fail). */
const COMMAND_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

export async function openClusterConnection(config: Config, log: Logger, prefix = DEFAULT_KEY_PREFIX): Promise<ClusterConnection> {
  const node = config.cluster.node || `${os.hostname()}-${process.pid}`;
  const member = `${node}#${randomId(6)}`;
  const options = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Commands wait through a short outage (ioredis reconnects with backoff) and then fail,
    // instead of piling up while Redis is away.
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
    // TCP keepalive notices a Redis that vanished without closing (the subscriber sends nothing).
    keepAlive: 10_000,
    lazyConnect: true,
  };
  // Named, so that an admin sees in CLIENT LIST which node a connection belongs to.
  const redis = new Redis(config.cluster.redis, { ...options, connectionName: `palaver:${member}` });
  // A subscriber must not time out: it sends nothing while it waits for messages.
  const subscriber = new Redis(config.cluster.redis, { ...options, commandTimeout: undefined, connectionName: `palaver:${member}:subscriber` });
  for (const [role, client] of [['commands', redis], ['subscriber', subscriber]] as const) {
    client.on('error', (error: Error) => log.warn({ err: error, role }, 'cluster: Redis connection error'));
  }
  try {
    await Promise.all([redis.connect(), subscriber.connect()]);
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    throw new Error(`cannot reach Redis at [cluster].redis: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    redis,
    subscriber,
    prefix,
    node,
    member,
    async close() {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}
