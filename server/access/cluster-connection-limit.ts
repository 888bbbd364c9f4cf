/**
 * [access].max_connections_per_address across a cluster: each node keeps its own count of
 * open connections per client network in Redis (one hash per network, a field per node), and
 * admits a connection while its own count plus the other nodes' stays under the limit.
 *
 * Admission stays synchronous (listeners decide as a connection arrives): the other nodes'
 * count is the one Redis gave with this node's last change for that network, and every
 * change (and every refusal) brings a fresh one, so the cluster admits at most one
 * connection per other node beyond the limit (a node that holds no connection from a network
admits one before it learns the others' count). A node's field is named after the node and a
 * random incarnation, and counts only while that incarnation's heartbeat is fresh: the
 * connections of a node that died stop counting within `staleAfterMs`, and a restarted
 * worker with the same name starts from zero. Redis holds keyed hashes of networks, never an
 * address.
 */
import { randomBytes } from 'node:crypto';
import { keyedAddressHash, secretOf } from './address-hash.js';
import type { Admission } from './control.js';
import type { ClusterRedis } from './cluster-redis.js';

/**
 * Applies this node's change to a network's count and answers the other live nodes' total,
 * dropping the fields of nodes whose heartbeat is stale. Redis's clock judges staleness, so
 * the nodes' clocks need not agree.
 * KEYS: the network's hash, the heartbeats (sorted set member → ms).
 * ARGV: this member, delta, stale after (ms), key lifetime (ms).
 */
const CHANGE_SCRIPT = `
local mine = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if mine <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
local time = redis.call('TIME')
local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[3])
local others = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local member = fields[i]
  if member ~= ARGV[1] then
    local seen = redis.call('ZSCORE', KEYS[2], member)
    if seen and tonumber(seen) >= oldest then
      others = others + tonumber(fields[i + 1])
    else
      redis.call('HDEL', KEYS[1], member)
    end
  end
end
if redis.call('HLEN', KEYS[1]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return others
`;

/** Records this member's heartbeat at Redis's time. KEYS: the heartbeats. ARGV: member, stale after (ms). */
const HEARTBEAT_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 10 * tonumber(ARGV[2]))
return now
`;

/** Networks without a connection here whose count this node remembers (a refused network stays refused without a round trip). */
const MAX_IDLE_NETWORKS = 10_000;

export interface ClusterConnectionLimitOptions {
  cluster: ClusterRedis;
  /** This node's name ([cluster].node or a worker's). */
  node: string;
  /**
   * The key of the keyed address hash (the same on every node: a server secret in shared
   * storage). A function is asked at each use: nodes that created the key at once agree on
   * the first one stored once storage tells them.
   */
  secret: Buffer | (() => Buffer);
  /** Open connections per client network over the cluster. */
  limit: number;
  /** How often this node's heartbeat is written. Default 5 s. */
  heartbeatMs?: number;
  /** A node whose heartbeat is older than this no longer counts. Default 20 s. */
  staleAfterMs?: number;
  /** A Redis command failed; the node goes on with what it knows. */
  onError?: (error: unknown) => void;
}

interface NetworkCount {
  /** Open connections on this node. */
  mine: number;
  /** The other nodes' connections, as Redis last answered. */
  others: number;
}

export class ClusterConnectionLimit {
  /** This incarnation of the node: its field in every network's hash. */
  readonly member: string;
  /** Networks with a connection on this node, and (up to MAX_IDLE_NETWORKS) others it heard of lately. */
  private readonly counts = new Map<string, NetworkCount>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly heartbeatsKey: string;
  private readonly staleAfterMs: number;
  /** A network's hash outlives several heartbeats, which renew it while this node holds a connection from it. */
  private readonly keyLifetimeMs: number;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(private readonly options: ClusterConnectionLimitOptions) {
    this.member = `${options.node}/${randomBytes(6).toString('hex')}`;
    this.heartbeatsKey = `${options.cluster.prefix}limits:connections:nodes`;
    this.staleAfterMs = options.staleAfterMs ?? 20_000;
    this.keyLifetimeMs = 2 * this.staleAfterMs + 60_000;
  }

  /** The limit in force ([access] reloaded changes it; what is counted stays). */
  get limit(): number {
    return this.options.limit;
  }

  set limit(value: number) {
    this.options.limit = value;
  }

  /** Writes the first heartbeat and keeps writing them; the limit counts this node from then on. */
  async start(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => this.track(this.beat()), this.options.heartbeatMs ?? 5_000);
    this.heartbeat.unref();
  }

  /** Stops the heartbeat and withdraws this node's counts at once. */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    await this.settled();
    await this.options.cluster.redis.zrem(this.heartbeatsKey, this.member);
  }

  /** A new connection from `address`, or null when its network is at the limit over the cluster. */
  admit(address: string): Admission | null {
    const network = keyedAddressHash(secretOf(this.options.secret), 'cluster-connections', address).toString('hex');
    const count = this.counts.get(network) ?? { mine: 0, others: 0 };
    if (count.mine + count.others >= this.options.limit) {
      this.change(network, count, 0); // refused on what may be old news: the next attempt sees the current count
      return null;
    }
    count.mine++;
    this.change(network, count, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        count.mine--;
        this.change(network, count, -1);
      },
    };
  }

  /** Resolves once every Redis command sent so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private change(network: string, count: NetworkCount, delta: number): void {
    this.counts.set(network, count);
    const { redis, prefix } = this.options.cluster;
    const reply = redis.eval(CHANGE_SCRIPT, 2, `${prefix}limits:connections:${network}`, this.heartbeatsKey, this.member, delta, this.staleAfterMs, this.keyLifetimeMs);
    this.track(Promise.resolve(reply).then((others) => {
      count.others = Number(others);
    }).finally(() => {
      if (this.counts.size > MAX_IDLE_NETWORKS) this.forgetIdle();
    }));
  }

  /** Forgets the networks it holds no connection from, oldest first, down to the cap. */
  private forgetIdle(): void {
    for (const [network, count] of this.counts) {
      if (this.counts.size <= MAX_IDLE_NETWORKS) return;
      if (count.mine <= 0) this.counts.delete(network);
    }
  }

  /**
   * The heartbeat, and this node's count of every network it holds connections from written
   * again (absolute, so a Redis that lost its data or a key that expired is set right).
   */
  private async beat(): Promise<void> {
    const { redis, prefix } = this.options.cluster;
    const batch = redis.pipeline().eval(HEARTBEAT_SCRIPT, 1, this.heartbeatsKey, this.member, this.staleAfterMs);
    for (const [network, count] of this.counts) {
      if (count.mine <= 0) continue;
      const key = `${prefix}limits:connections:${network}`;
      batch.hset(key, this.member, count.mine).pexpire(key, this.keyLifetimeMs);
    }
    const replies = await batch.exec();
    const failure = replies?.find(([error]) => error)?.[0];
    if (failure) throw failure;
  }

  private track(command: Promise<unknown>): void {
    const tracked = command.catch((error: unknown) => this.options.onError?.(error));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
