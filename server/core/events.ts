import type { Session } from './session.js';
import type { Element } from '../xml/element.js';
import type { Logger } from '../log.js';
import type { Config } from '../config/types.js';

export type TransportKind = 'tcp' | 'websocket' | 'bosh';

/** One SASL attempt's end: signed in, a wrong credential, or refused by a limit before any check. */
export interface SignInOutcome {
  outcome: 'succeeded' | 'failed' | 'refused';
  /** Guests sign in on the anonymous host, account holders on the account host. */
  guest: boolean;
  transport: TransportKind;
}

/** Why access control turned a client away (never who). */
export type RefusalReason = 'allowlist' | 'connections-per-address' | 'guest-sign-ins-per-minute' | 'sign-in-failures';

/** The config file was read again and its live settings are now in force (startup/reload.ts). */
export interface ConfigReload {
  /** The settings as they were, for listeners that compare. */
  previous: Config;
  /** The settings in force now: the same object as server.config, changed in place. */
  current: Config;
  /** Keys (`access.allow`, `channels`) whose new value is in force. */
  applied: string[];
  /** Keys that changed in the file but only take effect at the next start. */
  needsRestart: string[];
}

/** Server-wide lifecycle events that features subscribe to. */
export interface ServerEventMap {
  /** A resource was bound; the session can send and receive stanzas. */
  'session-bound': [session: Session];
  /** A session ended (stream closed, replaced, timed out); presence modules clean up. */
  'session-closed': [session: Session];
  /**
   * A session of another cluster node ended (or its node died). Only what this node keeps for
   * other nodes' sessions listens (the rooms it serves); contacts hear of it from the owning node.
   */
  'remote-session-closed': [session: Session];
  /** A bound client sent a valid stanza (from stamped), just before routing; listeners must not change it. */
  'stanza-from-client': [session: Session, stanza: Element];
  /** The server is stopping; timers and sweepers stop. */
  shutdown: [];

  // Operations: what the metrics count. Listeners must be cheap: some fire per stanza.
  /** A client connection began a stream (before sign-in). */
  'stream-opened': [transport: TransportKind];
  /** That connection is gone. */
  'stream-closed': [transport: TransportKind];
  /** A stanza was written to a signed-in client. */
  'stanza-to-client': [transport: TransportKind];
  'sign-in': [attempt: SignInOutcome];
  /** Access control refused a connection, a request or a sign-in. */
  refused: [reason: RefusalReason];
  /** A room sent one message to this many occupant resources. */
  'room-delivery': [copies: number];
  /** A room message was handed to the lasting archive (persistent rooms) or the in-memory one. */
  'archive-append': [store: 'lasting' | 'temporary'];
  /** An uploaded file was stored (its size in bytes). */
  'upload-stored': [bytes: number];
  /** The sweeper deleted this many expired uploads. */
  'uploads-expired': [count: number];
  /** The config was re-read (SIGHUP, `palaver reload`); features that keep derived state refresh it. */
  'config-reloaded': [change: ConfigReload];
}

type Listener = (...args: unknown[]) => void;

export class ServerEvents {
  /**
   * Copied on write: `on` replaces an event's array, so `emit` walks its array without
   * copying it (some events fire per stanza) and a listener added meanwhile waits for the next.
   */
  private readonly listeners = new Map<keyof ServerEventMap, readonly Listener[]>();

  /**
   * log: where a failing listener is reported. Without it (unit fixtures) the first failure
   * is rethrown once every listener has run.
   */
  constructor(private readonly log?: Pick<Logger, 'error'>) {}

  on<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener as Listener]);
  }

  /**
   * Runs every listener even when one throws: these events are emitted from socket callbacks
   * (a closing connection emits 'session-closed'), where an exception would end the process,
   * and one module's bug must not skip another's clean-up (leaving a guest in a room, say).
   */
  emit<K extends keyof ServerEventMap>(event: K, ...args: ServerEventMap[K]): void {
    let failure: { error: unknown } | null = null;
    const listeners = this.listeners.get(event);
    if (listeners === undefined) return;
    for (const listener of listeners) {
      try {
        listener(...args);
      } catch (error) {
        if (this.log) this.log.error({ err: error, event }, 'an event listener failed');
        else failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
