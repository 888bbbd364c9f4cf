import { StreamError } from '../xml/errors.js';
import type { Router } from '../core/router.js';
import type { SessionRegistry } from '../core/sessions.js';
import type { HostRegistry } from '../core/hosts.js';
import type { ServerEvents } from '../core/events.js';
import type { Services } from '../core/services.js';
import { ROOM_HOSTING } from '../core/room-hosting.js';
import type { Logger } from '../log.js';
import type { Config } from '../config/types.js';
import { RedisBoshRelay } from './bosh-relay.js';
import type { ClusterConnection, RedisAccess } from './connection.js';
import { clusterKeys, SEQUENCE_FIELD } from './keys.js';
import { LocalSessions } from './local-sessions.js';
import { Replicas } from './replicas.js';
import { Inbox } from './inbox.js';
import { Membership } from './membership.js';
import { Reaper } from './reaper.js';
import { RoomLeases } from './room-leases.js';
import { parseDirectoryEvent, type DirectoryEvent } from './directory-events.js';
import { QuestionChannel } from './question-channel.js';
import { roomQuestions } from '../core/room-questions.js';

export interface ClusterNodeParts {
  connection: ClusterConnection;
  sessions: SessionRegistry;
  hosts: HostRegistry;
  events: ServerEvents;
  router: Router;
  services: Services;
  log: Logger;
  config: Config;
}

export interface ClusterNode {
  /** This run's member id (its inbox channel is named after it). */
  readonly member: string;
  /** The command connection and key prefix, for other cluster-wide parts (limits). */
  readonly connection: RedisAccess;
  /** Sessions of other members this node knows (for logs and tests). */
  readonly remoteSessions: number;
  /** BOSH requests for sessions of other nodes go there through it (the HTTP listener takes it). */
  readonly boshRelay: RedisBoshRelay;
  /** Whether this node serves the room (tests). */
  serves(domain: string, local: string): boolean;
  stop(): Promise<void>;
}

/**
 * One member of the cluster: its sessions in the directory, the others' sessions in its
 * registry, its inbox, its heartbeat, and the clean-up after a dead member.
 */
export async function startClusterNode(parts: ClusterNodeParts): Promise<ClusterNode> {
  const { connection, sessions, hosts, events, router, services, log, config } = parts;
  const { redis, subscriber, member } = connection;
  const keys = clusterKeys(connection.prefix);
  const inboxChannel = keys.inbox(member);
  let running = true;

  let publishFailures = 0;
  const publish = (channel: string, frame: string): void => {
    redis.publish(channel, frame).then(() => { publishFailures = 0; }, (error: unknown) => {
      // One line per outage, not per stanza.
      if (publishFailures++ === 0) log.error({ err: error }, 'cluster: stanzas for sessions on other nodes are being lost');
    });
  };
  const local = new LocalSessions(connection, keys, sessions, log);
  const isLocal = (session: Parameters<LocalSessions['has']>[0]): boolean => local.has(session);
  const replicas = new Replicas(member, keys, sessions, hosts, publish, isLocal, log,
    (session) => events.emit('remote-session-closed', session));
  const rooms = new RoomLeases(connection, keys, router, sessions, log, (dead) => void reaper.reap(dead));
  for (const host of hosts.all()) {
    const hosting = services.find(ROOM_HOSTING, host);
    if (hosting) rooms.install(host, hosting);
  }
  const inbox = new Inbox(sessions, local, router, log, (from, stanza) => rooms.arrived(from, stanza),
    (stanza, recipients) => rooms.unreflected.delivered(stanza, recipients));
  const reaper = new Reaper(connection, keys, replicas, events, log);
  /** The reaper first: it forgets the dead member's sessions before its rooms are taken over. */
  const died = (other: string): void => {
    void reaper.reap(other);
    void rooms.memberDied(other);
  };

  /** While members' hashes are being read, changes wait here and are applied after. */
  let buffered: DirectoryEvent[] | null = null;
  let loading: Promise<void> = Promise.resolve();

  const onDirectoryEvent = (event: DirectoryEvent): void => {
    // Not delayed by a reload: nothing more may be forwarded to a member that is gone.
    if (event.op === 'gone') rooms.memberGone(event.m);
    if (buffered) buffered.push(event);
    else if (event.op === 'reset') void reload([event.m]);
    else replicas.apply(event);
  };

  /** Reads members' hashes (all live members when none are named) with the changes that arrive meanwhile. */
  const reload = (only?: string[]): Promise<void> => {
    loading = loading.then(async () => {
      buffered ??= [];
      try {
        const { live, dead } = await membership.liveOthers();
        const members = only ? live.filter((other) => only.includes(other)) : live;
        const hashes = await redis.pipeline(members.map((other) => ['hgetall', keys.sessions(other)])).exec();
        members.forEach((other, i) => {
          const records = { ...(hashes?.[i]?.[1] as Record<string, string> | undefined) };
          const sequence = Number(records[SEQUENCE_FIELD] ?? 0);
          delete records[SEQUENCE_FIELD];
          replicas.load(other, records, sequence);
        });
        if (!only) {
          for (const gone of replicas.members) if (!live.includes(gone)) replicas.drop(gone, true);
          for (const other of dead) died(other);
        }
      } catch (error) {
        log.error({ err: error }, 'cluster: could not read the other nodes\' sessions');
      } finally {
        const pending = buffered ?? [];
        buffered = null;
        for (const event of pending) onDirectoryEvent(event);
      }
    });
    return loading;
  };

  const membership = new Membership(connection, keys, {
    dead: died,
    expired: () => void rejoin(),
  }, log);

  /**
   * This node's heartbeat had expired (it lost Redis for longer than the TTL). If another node
   * cleaned it up, its contacts were told its users went offline: the connections are closed
   * so that the clients reconnect and announce themselves again.
   */
  const rejoin = async (): Promise<void> => {
    if (await reaper.wasReaped()) {
      log.error('cluster: this node was cut off from Redis and declared dead; its clients are disconnected to reconnect');
      for (const session of [...local.all()]) session.close(new StreamError('reset', 'this server lost its cluster; please reconnect'));
    }
    await resync();
  };

  /** After Redis was away: write this node's sessions again and read the others' again. */
  const resync = async (): Promise<void> => {
    try {
      await local.rewrite();
    } catch (error) {
      log.error({ err: error }, 'cluster: could not write this node\'s sessions');
    }
    await reload();
  };

  subscriber.on('message', (channel: string, text: string) => {
    try {
      if (channel === inboxChannel) {
        inbox.receive(text);
      } else if (channel === keys.released) {
        rooms.releasedElsewhere(text);
      } else if (channel === keys.directory) {
        const event = parseDirectoryEvent(text);
        if (event) onDirectoryEvent(event);
        else log.warn({ length: text.length }, 'cluster: dropping a directory message that does not read');
      }
    } catch (error) {
      log.error({ err: error }, 'cluster: a message from another node failed');
    }
  });
  await subscriber.subscribe(keys.directory, inboxChannel, keys.released);
  const boshRelay = new RedisBoshRelay(connection, config, log);
  await boshRelay.start();
  const questions = new QuestionChannel(connection, roomQuestions(services), (domain, room) => rooms.serves(domain, room), log);
  await questions.start();
  await membership.join();
  await local.rewrite();
  await reload();
  rooms.start();

  // ioredis reconnects by itself (and subscribes again); what was missed meanwhile is read again.
  let reconnected = false;
  const onReady = (): void => {
    if (!running || reconnected) return;
    reconnected = true;
    setTimeout(() => {
      reconnected = false;
      void resync();
    }, 100);
  };
  redis.on('ready', onReady);
  subscriber.on('ready', onReady);

  events.on('session-bound', (session) => {
    if (running) local.bound(session);
  });
  events.on('session-closed', (session) => {
    if (running) local.closed(session);
  });

  log.info({ node: connection.node, member }, 'cluster: joined');
  return {
    member,
    connection: { redis, prefix: connection.prefix },
    boshRelay,
    get remoteSessions() {
      return replicas.count;
    },
    serves: (domain, local) => rooms.serves(domain, local),
    async stop() {
      boshRelay.stop();
      questions.stop();
      await rooms.stop();
      await local.flush();
      running = false;
      reaper.stopped = true;
      await loading;
      try {
        await membership.leave();
      } catch (error) {
        log.warn({ err: error }, 'cluster: could not leave cleanly; the others will notice the heartbeat stop');
      }
      await connection.close();
    },
  };
}
