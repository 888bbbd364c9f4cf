import { escapeXML } from 'ltx';
import { Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';

/**
 * A copy of a broadcast stanza for one recipient. It shares the original's children and
 * carries the original's serialisation minus `to`, so that writing it to a socket costs one
 * attribute, however many occupants the room has. If anyone changes it after it was built
 * (a transport adding xmlns, a module adding a child), it serialises like any Element.
 */
class BroadcastCopy extends Element {
  private head = '';
  private tail = '';
  private sharedAttrs: Record<string, string> = {};
  private sharedChildren: Element['children'] = [];

  /** `to` first, then the shared attributes: the order the cached text has. */
  static make(name: string, to: string, attrs: Record<string, string>, children: Element['children'], head: string, tail: string): BroadcastCopy {
    const copy = new BroadcastCopy(name, { to, ...attrs });
    copy.children = children.slice();
    copy.head = head;
    copy.tail = tail;
    copy.sharedAttrs = attrs;
    copy.sharedChildren = children;
    return copy;
  }

  override toString(): string {
    if (this.unchanged()) return `${this.head} to="${escapeXML(this.attrs.to)}"${this.tail}`;
    let text = '';
    super.write((chunk: string) => { text += chunk; });
    return text;
  }

  override write(writer: (chunk: string) => void): void {
    if (this.unchanged()) writer(this.toString());
    else super.write(writer);
  }

  private unchanged(): boolean {
    if (this.head === '' || typeof this.attrs.to !== 'string') return false;
    const keys = Object.keys(this.attrs);
    if (keys.length !== Object.keys(this.sharedAttrs).length + 1) return false;
    for (const key of keys) {
      if (key !== 'to' && this.attrs[key] !== this.sharedAttrs[key]) return false;
    }
    if (this.children.length !== this.sharedChildren.length) return false;
    return this.children.every((child, i) => child === this.sharedChildren[i]);
  }
}

/**
 * A stanza serialised once, from which copies for any number of recipients are made: only
 * `to` differs between them. Keep one only while the stanza it was made from is unchanged.
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

  copyFor(to: string): Element {
    return BroadcastCopy.make(this.stanza.name, to, this.attrs, this.stanza.children, this.head, this.tail);
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
