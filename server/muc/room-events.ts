import type { Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';
import type { Session } from '../core/session.js';
import type { Occupant } from './occupant.js';
import type { HistoryEntry, HistoryMessage } from './room-history.js';
import type { Room } from './room.js';
import type { ConfigField } from './config-form.js';
import type { Affiliation, Role, RoomConfig } from './types.js';

/**
 * What room features hook, by name, with what they receive. Handlers run synchronously,
 * highest priority first; one that returns true ends the event (it has answered it, as with
 * Prosody's module:hook). A handler refuses (a join, a message) by throwing a StanzaError.
 */
export interface RoomEventMap {
  /** Before someone enters, once they are known not to be banned: refuse by throwing (membership, password). */
  'pre-join': { room: Room; from: Jid; session: Session; nick: string; affiliation: Affiliation; mucX: Element | undefined };
  /** A new occupant's first role, from their affiliation and the room's: a feature may raise it. */
  'join-role': { room: Room; session: Session; affiliation: Affiliation; role: Role };
  /** An occupant asks for another nickname (§7.6), before it is checked against others': refuse by throwing. */
  'nick-change': { room: Room; occupant: Occupant; session: Session; nick: string };
  /** The status codes the joiner's self-presence carries (beside 110). */
  'join-status-codes': { room: Room; codes: number[] };
  /**
   * A groupchat message from an occupant with voice (not a subject change), before it is
   * stamped, kept and fanned out: refuse by throwing, or change the stanza in place.
   */
  'groupchat': { room: Room; sender: Occupant; stanza: Element };
  /** An occupant's groupchat <subject/> (§8.1), before it is set: refuse by throwing. */
  'subject-change': { room: Room; sender: Occupant; stanza: Element };
  /** A private message through the room (XEP-0045 §7.5) from an occupant: refuse by throwing. */
  'private-message': { room: Room; sender: Occupant; stanza: Element };
  /** A joiner has had their presences, history and subject: what a feature sends after them. */
  'room-state-sent': { room: Room; to: Jid };
  /**
   * Keep a message for history. A keeper that commits over the network before the message
   * may be delivered sets `committed` (muc/ordered-delivery.ts waits for it).
   */
  'history-append': { room: Room; entry: HistoryEntry; committed?: Promise<void> };
  /** The last `max` messages for a joiner: a handler fills `messages`. */
  'history-get': { room: Room; max: number; messages: HistoryMessage[] };
  /** A moderator retracted a kept message. */
  'history-retract': { room: Room; id: string; by: string; reason?: string };
  /** The features a room's disco#info lists, beside those of the core. */
  'disco-info': { room: Room; features: string[] };
  /** The fields of the room's configuration form, in the order shown. */
  'config-form': { room: Room; fields: ConfigField[] };
  /** A submitted configuration was stored: add the status codes occupants are told (§10.2.1). */
  'config-changed': { room: Room; previous: RoomConfig; next: RoomConfig; codes: number[] };
  /** Occupants were told of a configuration change: act on it (remove those who may no longer stay). */
  'config-announced': { room: Room; previous: RoomConfig; next: RoomConfig };
  /** The room is now kept in the store (persistent), or no longer. */
  'persistence-changed': { room: Room; persistent: boolean };
  /** An occupant (the last of their resources) left the room. */
  'occupant-left': { room: Room; occupant: Occupant };
  /**
   * The room is gone (destroyed, or temporary and empty). While the server stops, rooms go
   * from memory only: what is kept on disk stays.
   */
  'room-destroyed': { room: Room; serverStopping: boolean };
}

export type RoomEventName = keyof RoomEventMap;
export type RoomEventHandler<E extends RoomEventName> = (payload: RoomEventMap[E]) => boolean | void;

interface Hook<E extends RoomEventName> {
  handler: RoomEventHandler<E>;
  priority: number;
}

type Hooks = { [E in RoomEventName]?: Hook<E>[] };

/** The room events of one MUC service. */
export class RoomEvents {
  private readonly hooks: Hooks = {};

  on<E extends RoomEventName>(event: E, handler: RoomEventHandler<E>, priority = 0): void {
    const list: Hook<E>[] = this.hooks[event] ?? [];
    list.push({ handler, priority });
    // Stable: hooks of equal priority run in the order they were added (the feature list's).
    list.sort((a, b) => b.priority - a.priority);
    (this.hooks as Record<E, Hook<E>[]>)[event] = list;
  }

  /** Runs the hooks in order; true when one of them answered the event. */
  emit<E extends RoomEventName>(event: E, payload: RoomEventMap[E]): boolean {
    const list = this.hooks[event] as Hook<E>[] | undefined;
    if (!list) return false;
    for (const hook of list) {
      if (hook.handler(payload) === true) return true;
    }
    return false;
  }
}
