import { escapeXML } from 'ltx';
import { Element } from '../xml/element.js';
import { SerializedElement } from '../xml/serialized-element.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import type { Room } from './room.js';

/**
 * A stanza serialised once, from which copies for any number of recipients are made: only
 * `to` differs between them, so writing a copy to a socket costs one attribute, however many
 * occupants the room has. The copies share the stanza's children. Keep a template only
 * while the stanza it was made from is unchanged.
 */
export class StanzaTemplate {
  private readonly attrs: Record<string, string> = {};
  private readonly head: string;
  private readonly tail: string;

  constructor(private readonly stanza: Element) {
    for (const [key, value] of Object.entries(stanza.attrs as Record<string, unknown>)) {
      if (key !== 'to' && value !== undefined && value !== null) this.attrs[key] = String(value);
    }
    const template = new Element(stanza.name, this.attrs);
    template.children = stanza.children;
    this.head = `<${stanza.name}`;
    this.tail = template.toString().slice(this.head.length);
  }

  /** `to` first, then the shared attributes: the order the serialisation has. */
  copyFor(to: string): Element {
    return SerializedElement.complete(this.stanza.name, { to, ...this.attrs }, this.stanza.children,
      `${this.head} to="${escapeXML(to)}"${this.tail}`);
  }
}

/**
 * Builds one copy per recipient of a stanza built once: the stanza is serialised here, once,
 * rather than once per recipient (and not at all when nobody gets it).
 */
export function fanOut(stanza: Element, recipients: Iterable<Jid>, deliver: (to: Jid, copy: Element) => void): void {
  let template: StanzaTemplate | undefined;
  for (const to of recipients) {
    template ??= new StanzaTemplate(stanza);
    deliver(to, template.copyFor(to.toString()));
  }
}

/**
 * Sends a stanza built once to every occupant resource (that `filter` accepts), straight to
 * the router: occupants' JIDs are always full, which MucContext.deliver would check again.
 */
export function fanOutToRoom(muc: MucContext, room: Room, stanza: Element, filter?: (viewer: Occupant) => boolean): void {
  const to: Jid[] = [];
  for (const { occupant, jid } of room.sessions()) {
    if (!filter || filter(occupant)) to.push(jid);
  }
  fanOut(stanza, to, (jid, copy) => muc.server.router.deliverTo(jid, copy));
  if (stanza.name === 'message') muc.server.events.emit('room-delivery', to.length);
}
