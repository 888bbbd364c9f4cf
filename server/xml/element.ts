import { Element as LtxElement, clone } from 'ltx';

export { clone };

/** Stanzas are ltx Elements throughout Palaver (see DESIGN.md). */
export type Element = LtxElement;
export const Element = LtxElement;

export type Attrs = Record<string, string | number | undefined>;
export type Child = Element | string | undefined | null | false;

/**
 * Builds an element. Attributes whose value is undefined are left out and falsy
 * children are skipped, so optional parts can be written inline.
 */
export function xml(name: string, attrs: Attrs = {}, ...children: Child[]): Element {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) clean[key] = String(value);
  }
  const element = new LtxElement(name, clean);
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    element.cnode(typeof child === 'string' ? (child as unknown as Element) : child);
  }
  return element;
}
