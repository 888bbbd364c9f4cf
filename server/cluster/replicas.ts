import { StreamError } from '../xml/errors.js';
import { Session, type StanzaBatch } from '../core/session.js';
import type { SessionRegistry } from '../core/sessions.js';
import type { HostRegistry } from '../core/hosts.js';
import { sharedStateKey } from '../core/keyed-state.js';
import type { Logger } from '../log.js';
import type { DirectoryEvent } from './directory-events.js';
import { decodeSession, type SessionFacts } from './session-record.js';
import { RemoteSink, type Publish } from './remote-sink.js';
import { eachFrame } from './frames.js';
import type { ClusterKeys } from './keys.js';

interface Replica {
  session: Session;
  sink: RemoteSink;
  /** The owning member's session id. */
  ownerId: string;
}

/**
 * The sessions of the other members, kept in this node's SessionRegistry next to its own, so
 * that delivery, presence, roster pushes and carbons reach them unchanged: each is a Session
 * whose sink publishes to its member's inbox. Built from the members' hashes and kept up to
 * date from the directory channel. Replicas never emit 'session-bound' or 'session-closed':
 * only the owning node's features act on its sessions (the reaper is the exception, for a
 * dead member).
 */
export class Replicas {
  private readonly byMember = new Map<string, Map<string, Replica>>();
  private readonly lastSequence = new Map<string, number>();

  constructor(
    private readonly self: string,
    private readonly keys: ClusterKeys,
    private readonly sessions: SessionRegistry,
    private readonly hosts: HostRegistry,
    private readonly publish: Publish,
    private readonly isLocal: (session: Session) => boolean,
    private readonly log: Logger,
    /** A replica left the registry (its session ended, was replaced, or its member died). */
    private readonly ended: (session: Session) => void = () => {},
  ) {}

  /** One per member: a room's broadcast to many of its sessions travels as one frame. */
  private readonly batches = new Map<string, StanzaBatch>();

  get members(): string[] {
    return [...this.byMember.keys()];
  }

  /** How many sessions of other members this node knows. */
  get count(): number {
    let total = 0;
    for (const replicas of this.byMember.values()) total += replicas.size;
    return total;
  }

  /**
   * Applies one change, unless it is older than what this node has. A member declared dead
   * that comes back (it was cut off from Redis, not dead) is taken back as a new one: it has
   * closed its sessions and starts over (node.ts).
   */
  apply(event: DirectoryEvent): void {
    if (event.m === this.self) return;
    if (event.op === 'gone') {
      this.drop(event.m, true);
      return;
    }
    if (event.q <= (this.lastSequence.get(event.m) ?? 0)) return;
    this.lastSequence.set(event.m, event.q);
    if (event.op === 'put') this.put(event.m, event.j, event.r);
    else if (event.op === 'del') this.remove(event.m, event.j);
  }

  /** Replaces what this node knows of a member by the contents of its hash, read at `sequence`. */
  load(member: string, records: Record<string, string>, sequence: number): void {
    if (member === this.self) return;
    this.lastSequence.set(member, sequence);
    // Sessions that are still there keep their replica (rooms know them by it).
    for (const [jid, record] of Object.entries(records)) this.put(member, jid, record);
    for (const jid of [...this.byMember.get(member)?.keys() ?? []]) {
      if (!Object.hasOwn(records, jid)) this.remove(member, jid);
    }
  }

  /** Forgets a member's sessions (without events); `dead`: nothing more is sent to them. */
  drop(member: string, dead: boolean): void {
    this.lastSequence.delete(member);
    const replicas = this.byMember.get(member);
    if (!replicas) return;
    this.byMember.delete(member);
    for (const replica of replicas.values()) {
      replica.sink.gone = dead;
      if (this.sessions.remove(replica.session)) this.ended(replica.session);
    }
  }

  /**
   * Sessions made from a dead member's records, registered nowhere and sending nowhere: what
   * the reaper announces as closed so that contacts hear them go.
   */
  detached(member: string, records: Record<string, string>): Session[] {
    const detached: Session[] = [];
    for (const [jid, record] of Object.entries(records)) {
      const made = this.make(member, jid, record);
      if (!made) continue;
      made.sink.gone = true;
      made.session.closed = true;
      detached.push(made.session);
    }
    return detached;
  }

  private put(member: string, jid: string, record: string): void {
    let replicas = this.byMember.get(member);
    const existing = replicas?.get(jid);
    const facts = decodeSession(jid, record);
    if (!facts) {
      this.log.warn({ member }, 'cluster: dropping a session record that does not read');
      return;
    }
    if (existing && existing.ownerId === facts.id) {
      applyFacts(existing.session, facts);
      return;
    }
    const made = this.make(member, jid, record, facts);
    if (!made) return;
    if (!replicas) {
      replicas = new Map();
      this.byMember.set(member, replicas);
    }
    if (existing && this.sessions.remove(existing.session)) this.ended(existing.session);
    replicas.set(jid, made);
    const previous = this.sessions.add(made.session);
    if (!previous) return;
    if (this.isLocal(previous)) {
      // The resource was bound again on another node: as on one node, the newer connection wins.
      previous.close(new StreamError('conflict', 'replaced by a new connection with the same resource'));
    } else {
      this.forgetReplaced(previous);
    }
  }

  private remove(member: string, jid: string): void {
    const replicas = this.byMember.get(member);
    const replica = replicas?.get(jid);
    if (!replicas || !replica) return;
    replicas.delete(jid);
    if (replicas.size === 0) this.byMember.delete(member);
    if (this.sessions.remove(replica.session)) this.ended(replica.session);
  }

  private make(member: string, jid: string, record: string, known?: ReturnType<typeof decodeSession>): Replica | null {
    const facts = known ?? decodeSession(jid, record);
    const host = facts && this.hosts.get(facts.jid.domain);
    if (!facts || !host?.acceptsClients) {
      this.log.warn({ member }, 'cluster: dropping a session record that does not read or names no client host');
      return null;
    }
    const inbox = this.keys.inbox(member);
    let batch = this.batches.get(member);
    if (!batch) {
      batch = { sendEach: (stanza, jids) => this.publish(inbox, eachFrame(jids, stanza)) };
      this.batches.set(member, batch);
    }
    const sink = new RemoteSink(this.publish, inbox, facts.id, jid, facts.transportKind, batch);
    const session = new Session(facts.jid, host, sink);
    applyFacts(session, facts);
    return { session, sink, ownerId: facts.id };
  }

  /** Another member's replica was replaced by a newer one under the same full JID. */
  private forgetReplaced(session: Session): void {
    this.ended(session);
    for (const [member, replicas] of this.byMember) {
      const jid = session.jid.toString();
      if (replicas.get(jid)?.session !== session) continue;
      replicas.delete(jid);
      if (replicas.size === 0) this.byMember.delete(member);
      return;
    }
  }
}

function applyFacts(session: Session, facts: SessionFacts): void {
  session.presence = facts.presence;
  session.priority = facts.priority;
  session.interestedInRoster = facts.interestedInRoster;
  for (const [name, value] of Object.entries(facts.shared)) {
    const key = sharedStateKey(name);
    if (key) session.set(key, value);
  }
}
