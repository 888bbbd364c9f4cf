import { Element } from './element.js';

/**
 * An element whose serialisation is already known, so that it is sent without being
 * serialised again: a room's broadcast copied for each recipient, a stored message replayed
 * as history. While nobody changes its attributes or children it writes that text; once
 * someone does (a transport adding xmlns, a module adding a child), it is serialised from
 * what it then holds.
 */
export class SerializedElement extends Element {
  private readonly builtAttrs: Record<string, string>;
  private readonly builtChildren: readonly Element['children'][number][];

  private constructor(
    name: string,
    attrs: Record<string, string>,
    children: Element['children'],
    private readonly serialized: string,
    /** Makes the full element, for one that was made without its children. */
    private readonly build: (() => Element) | null,
  ) {
    super(name, { ...attrs });
    this.children = children.slice();
    this.builtAttrs = attrs;
    this.builtChildren = children;
  }

  /** An element with its attributes and children, and their serialisation. */
  static complete(name: string, attrs: Record<string, string>, children: Element['children'], serialized: string): SerializedElement {
    return new SerializedElement(name, attrs, children, serialized, null);
  }

  /**
   * An element known by its serialisation and attributes only (no parse, no copy of the
   * children); if it is changed, `build` makes the full element that the changes apply to.
   */
  static withoutChildren(name: string, attrs: Record<string, string>, serialized: string, build: () => Element): SerializedElement {
    return new SerializedElement(name, attrs, [], serialized, build);
  }

  override toString(): string {
    if (this.unchanged()) return this.serialized;
    let text = '';
    this.write((chunk: string) => { text += chunk; });
    return text;
  }

  override write(writer: (chunk: string) => void): void {
    if (this.unchanged()) writer(this.serialized);
    else if (this.build) this.rebuilt(this.build).write(writer);
    else super.write(writer);
  }

  private unchanged(): boolean {
    const keys = Object.keys(this.attrs);
    if (keys.length !== Object.keys(this.builtAttrs).length || keys.some((key) => this.attrs[key] !== this.builtAttrs[key])) return false;
    return this.children.length === this.builtChildren.length && this.children.every((child, i) => child === this.builtChildren[i]);
  }

  private rebuilt(build: () => Element): Element {
    const element = build();
    Object.assign(element.attrs, this.attrs);
    for (const child of this.children) element.cnode(child);
    return element;
  }
}
