import { EventEmitter } from 'node:events';
import type { Session } from './session.js';
import type { Element } from '../xml/element.js';
import type { Logger } from '../log.js';

/** Server-wide lifecycle events that features subscribe to. */
export interface ServerEventMap {
  /** A resource was bound; the session can send and receive stanzas. */
  'session-bound': [session: Session];
  /** A session ended (stream closed, replaced, timed out); presence modules clean up. */
  'session-closed': [session: Session];
  /** A bound client sent a valid stanza (from stamped), just before routing; listeners must not change it. */
  'stanza-from-client': [session: Session, stanza: Element];
  /** The server is stopping; timers and sweepers stop. */
  shutdown: [];
}

type Listener = (...args: unknown[]) => void;

export class ServerEvents {
  private readonly emitter = new EventEmitter();

  /**
   * log: where a failing listener is reported. Without it (unit fixtures) the first failure
   * is rethrown once every listener has run.
   */
  constructor(private readonly log?: Pick<Logger, 'error'>) {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): void {
    this.emitter.on(event, listener as Listener);
  }

  /**
   * Runs every listener even when one throws: these events are emitted from socket callbacks
   * (a closing connection emits 'session-closed'), where an exception would end the process,
   * and one module's bug must not skip another's clean-up (leaving a guest in a room, say).
   */
  emit<K extends keyof ServerEventMap>(event: K, ...args: ServerEventMap[K]): void {
    let failure: { error: unknown } | null = null;
    for (const listener of this.emitter.listeners(event) as Listener[]) {
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
