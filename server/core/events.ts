import { EventEmitter } from 'node:events';
import type { Session } from './session.js';
import type { Element } from '../xml/element.js';

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

export class ServerEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof ServerEventMap>(event: K, ...args: ServerEventMap[K]): void {
    this.emitter.emit(event, ...args);
  }
}
