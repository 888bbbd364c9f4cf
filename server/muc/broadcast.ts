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
 * Builds one copy per recipient of a stanza built once: only `to` differs, and the stanza is
 * serialised here, once, rather than once per recipient.
 */
export function fanOut(stanza: Element, recipients: Iterable<Jid>, deliver: (to: Jid, copy: Element) => void): void {
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(stanza.attrs as Record<string, unknown>)) {
    if (key !== 'to' && value !== undefined && value !== null) attrs[key] = String(value);
  }
  let head = '';
  let tail = '';
  for (const to of recipients) {
    if (head === '') {
      const template = new Element(stanza.name, attrs);
      template.children = stanza.children;
      const text = template.toString();
      head = `<${stanza.name}`;
      tail = text.slice(head.length);
    }
    deliver(to, BroadcastCopy.make(stanza.name, to.toString(), attrs, stanza.children, head, tail));
  }
}
