import { Element } from './element.js';

/**
 * An element whose serialisation is already known, so that it is sent without being built and
 * serialised again (a stored message replayed as history: no parse, no copy). It holds its
 * attributes but not its children; if anyone changes it after it was made (an attribute, a
 * child), `build` makes the full element, which those changes are applied to.
 */
export class SerializedElement extends Element {
  private readonly builtWith: Record<string, string>;

  constructor(name: string, attrs: Record<string, string>, private readonly serialized: string, private readonly build: () => Element) {
    super(name, { ...attrs });
    this.builtWith = attrs;
  }

  override toString(): string {
    if (this.unchanged()) return this.serialized;
    let text = '';
    this.changedElement().write((chunk: string) => { text += chunk; });
    return text;
  }

  override write(writer: (chunk: string) => void): void {
    if (this.unchanged()) writer(this.serialized);
    else this.changedElement().write(writer);
  }

  private unchanged(): boolean {
    if (this.children.length !== 0) return false;
    const keys = Object.keys(this.attrs);
    return keys.length === Object.keys(this.builtWith).length && keys.every((key) => this.attrs[key] === this.builtWith[key]);
  }

  private changedElement(): Element {
    const element = this.build();
    Object.assign(element.attrs, this.attrs);
    for (const child of this.children) element.cnode(child);
    return element;
  }
}
