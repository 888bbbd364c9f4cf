import type { Session, SessionWatcher } from '../core/session.js';
import type { SessionRegistry } from '../core/sessions.js';
import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';
import { SEQUENCE_FIELD, type ClusterKeys } from './keys.js';
import { encodeSession } from './session-record.js';
import type { DirectoryEvent } from './directory-events.js';

/** This node's own sessions, as the inbox looks them up. */
export interface LocalSessionLookup {
  has(session: Session): boolean;
  /** The session this node holds under a full JID written canonically (session.jid.toString()), if any. */
  named(jid: string): Session | undefined;
}

/**
 * This member's side of the session directory: the sessions whose connections it holds,
 * written to its hash in Redis (the authoritative copy a starting node loads) and announced
 * on the directory channel. Changes made in one tick (a presence sets the element and the
 * priority) go out together as one MULTI, in the order they happened.
 */
export class LocalSessions implements SessionWatcher, LocalSessionLookup {
  private readonly local = new Set<Session>();
  /**
   * The same sessions by full JID, as other nodes name them in frames (the canonical text of
   * session.jid): a room's broadcast finds each recipient with a Map lookup instead of a JID
   * parse. The newest session bound under a JID holds its entry.
   */
  private readonly byJid = new Map<string, Session>();
  /** Sessions with a change to publish, in order: 'put' (bound or changed) or 'del' (closed). */
  private readonly pending = new Map<Session, 'put' | 'del'>();
  private flushScheduled = false;
  private sequence = 0;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly keys: ClusterKeys,
    private readonly sessions: SessionRegistry,
    private readonly log: Logger,
  ) {}

  has(session: Session): boolean {
    return this.local.has(session);
  }

  named(jid: string): Session | undefined {
    return this.byJid.get(jid);
  }

  all(): IterableIterator<Session> {
    return this.local.values();
  }

  /** A client bound a resource on this node. */
  bound(session: Session): void {
    this.local.add(session);
    this.byJid.set(session.jid.toString(), session);
    session.watcher = this;
    this.schedule(session, 'put');
  }

  /** A session of this node ended. */
  closed(session: Session): void {
    if (!this.local.delete(session)) return;
    const jid = session.jid.toString();
    // A session that replaced this one under the same JID keeps the entry.
    if (this.byJid.get(jid) === session) this.byJid.delete(jid);
    session.watcher = null;
    this.schedule(session, 'del');
  }

  changed(session: Session): void {
    if (this.local.has(session)) this.schedule(session, 'put');
  }

  /**
   * Writes the whole hash again (after Redis was away: it may have restarted empty, and
   * changes made meanwhile were never announced) and tells the others to read it again.
   */
  async rewrite(): Promise<void> {
    this.pending.clear();
    const hash = this.keys.sessions(this.connection.member);
    const sequence = ++this.sequence;
    const transaction = this.connection.redis.multi().del(hash);
    for (const session of this.local) transaction.hset(hash, session.jid.toString(), encodeSession(session));
    transaction.hset(hash, SEQUENCE_FIELD, String(sequence));
    transaction.publish(this.keys.directory, JSON.stringify({ m: this.connection.member, q: sequence, op: 'reset' } satisfies DirectoryEvent));
    await transaction.exec();
  }

  /** Publishes what is pending now (stop calls it so that the last changes go out). */
  async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.pending.size === 0) return;
    const hash = this.keys.sessions(this.connection.member);
    const transaction = this.connection.redis.multi();
    for (const [session, change] of this.pending) {
      const jid = session.jid.toString();
      const holder = this.sessions.get(session.jid);
      if (change === 'put') {
        // Closed, or replaced since: its successor is announced in its own right.
        if (holder !== session || !this.local.has(session)) continue;
        const record = encodeSession(session);
        transaction.hset(hash, jid, record);
        transaction.publish(this.keys.directory, this.event({ op: 'put', j: jid, r: record }));
      } else {
        // A local successor under the same full JID keeps the entry.
        if (holder && this.local.has(holder)) continue;
        transaction.hdel(hash, jid);
        transaction.publish(this.keys.directory, this.event({ op: 'del', j: jid }));
      }
    }
    this.pending.clear();
    transaction.hset(hash, SEQUENCE_FIELD, String(this.sequence));
    try {
      await transaction.exec();
    } catch (error) {
      this.log.error({ err: error }, 'cluster: could not publish session changes; they are published again when Redis is back');
    }
  }

  private event(change: { op: 'put'; j: string; r: string } | { op: 'del'; j: string }): string {
    return JSON.stringify({ m: this.connection.member, q: ++this.sequence, ...change });
  }

  private schedule(session: Session, change: 'put' | 'del'): void {
    this.pending.set(session, change);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => void this.flush());
  }
}
