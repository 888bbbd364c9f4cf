import { escapeXML } from 'ltx';
import { Element } from './element.js';
import { SerializedElement } from './serialized-element.js';

/**
 * A stanza serialised once, from which copies for any number of recipients are made: only
 * `to` differs between them, so writing a copy to a socket costs one attribute, however many
 * recipients there are. The copies share the stanza's children. Keep a template only
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

  /** The stanza without `to`, serialised: what a copy for any recipient is made from. */
  get withoutTo(): string {
    return this.head + this.tail;
  }

  /** `to` first, then the shared attributes: the order the serialisation has. */
  copyFor(to: string): Element {
    return SerializedElement.complete(this.stanza.name, { to, ...this.attrs }, this.stanza.children,
      `${this.head} to="${escapeXML(to)}"${this.tail}`);
  }
}
