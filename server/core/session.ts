import type { Element } from '../xml/element.js';
import type { StreamError } from '../xml/errors.js';
import type { Jid } from '../jid/jid.js';
import type { Host } from './host.js';
import { randomId } from '../util/random-ids.js';
import { KeyedState, type StateKey } from './keyed-state.js';

/** What a session needs from its stream: a way to write stanzas and to end the stream. */
export interface StanzaSink {
  send(stanza: Element): void;
  close(error?: StreamError): void;
  /** The client's address, for per-address limits and keyed hashes; never logged by default. */
  readonly remoteAddress: string;
  readonly transportKind: 'tcp' | 'websocket' | 'bosh';
  /** Set by a cluster's sink for a session whose connection another node holds. */
  readonly remote?: boolean;
  /** Shared by the sinks of one other node's sessions: one stanza for many of them travels once. */
  readonly batch?: StanzaBatch;
}

/**
 * Carries one stanza to many sessions at once (a cluster node's inbox): `stanza` is
 * serialised without `to`, and each recipient's copy gets its full JID as `to`.
 */
export interface StanzaBatch {
  sendEach(stanza: string, recipients: readonly string[]): void;
}

/** A typed key for per-session state that a module keeps (carbons on, CSI state, …). */
export { StateKey as SessionKey } from './keyed-state.js';

/**
 * Told when a fact other cluster nodes keep about a session changes (presence, priority,
 * roster interest, a shared state key). Only a cluster sets one; with none, a change costs a
 * null check.
 */
export interface SessionWatcher {
  changed(session: Session): void;
}

/**
 * An authenticated, bound client resource. On a cluster, the registry also holds sessions of
 * other nodes, whose sink carries stanzas to the node that holds the connection.
 */
export class Session {
  readonly id = randomId(9);
  readonly bare: Jid;
  closed = false;
  watcher: SessionWatcher | null = null;
  private presenceElement: Element | null = null;
  private priorityValue = 0;
  private interestedInRosterValue = false;
  private readonly state = new KeyedState();

  constructor(
    readonly jid: Jid,
    readonly host: Host,
    private sink: StanzaSink,
  ) {
    this.bare = jid.bare();
  }

  /** The last available presence the client broadcast; null before initial presence or after unavailable. */
  get presence(): Element | null {
    return this.presenceElement;
  }

  set presence(presence: Element | null) {
    this.presenceElement = presence;
    this.watcher?.changed(this);
  }

  get priority(): number {
    return this.priorityValue;
  }

  set priority(priority: number) {
    if (priority === this.priorityValue) return;
    this.priorityValue = priority;
    this.watcher?.changed(this);
  }

  /** The client fetched its roster, so it receives roster pushes (RFC 6121 §2.1.6). */
  get interestedInRoster(): boolean {
    return this.interestedInRosterValue;
  }

  set interestedInRoster(interested: boolean) {
    if (interested === this.interestedInRosterValue) return;
    this.interestedInRosterValue = interested;
    this.watcher?.changed(this);
  }

  get isGuest(): boolean {
    return this.host.kind === 'anonymous';
  }

  get available(): boolean {
    return this.presence !== null;
  }

  get remoteAddress(): string {
    return this.sink.remoteAddress;
  }

  /**
   * The connection is on another cluster node. Features never need to know, except to keep
   * node-local state about a session (what waits for a session is kept where the session is).
   */
  get isRemote(): boolean {
    return this.sink.remote === true;
  }

  /** Set for a session of another node: what carries a stanza to many of that node's sessions at once. */
  get batch(): StanzaBatch | undefined {
    return this.closed ? undefined : this.sink.batch;
  }

  get transportKind(): StanzaSink['transportKind'] {
    return this.sink.transportKind;
  }

  send(stanza: Element): void {
    if (!this.closed) this.sink.send(stanza);
  }

  /** Ends the stream (with a stream error if given); the stream then reports the session closed. */
  close(error?: StreamError): void {
    this.sink.close(error);
  }

  /**
   * The session moves to another sink: XEP-0198 keeps it while its client is away and hands
   * it to the connection that resumes it.
   */
  moveTo(sink: StanzaSink): void {
    this.sink = sink;
  }

  get<T>(key: StateKey<T>): T {
    return this.state.get(key);
  }

  set<T>(key: StateKey<T>, value: T): void {
    this.state.set(key, value);
    if (key.shared) this.watcher?.changed(this);
  }

  /** The values of the shared state keys that were set (cluster replication). */
  sharedState(): Record<string, unknown> {
    return this.state.sharedValues();
  }
}
