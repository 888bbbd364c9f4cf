import { SaxesParser, type SaxesTagNS } from 'saxes';

/**
 * An element as a namespace-aware reader sees it: names as {namespace}local, attributes
 * likewise (namespace declarations left out, they are how, not what), text as is. Two
 * serialisations that mean the same XML give equal trees, whatever prefixes they use.
 */
export interface ExpandedElement {
  name: string;
  attrs: Record<string, string>;
  children: (ExpandedElement | string)[];
}

/**
 * Parses `text` with a strict namespace-aware parser (saxes) as a reader would whose
 * surrounding context declares `context` (prefix → namespace; '' for the default). Any error,
 * an undeclared prefix included, throws.
 */
export function expandNamespaces(text: string, context: Record<string, string> = {}): ExpandedElement {
  const parser = new SaxesParser({ xmlns: true, additionalNamespaces: context });
  const stack: ExpandedElement[] = [];
  let root: ExpandedElement | null = null;
  parser.on('error', (error) => { throw error; });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const attrs: Record<string, string> = {};
    for (const attr of Object.values(tag.attributes)) {
      if (attr.name === 'xmlns' || attr.prefix === 'xmlns') continue;
      attrs[`{${attr.uri}}${attr.local}`] = attr.value;
    }
    const element: ExpandedElement = { name: `{${tag.uri}}${tag.local}`, attrs, children: [] };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('closetag', () => { stack.pop(); });
  parser.on('text', (data) => { stack.at(-1)?.children.push(data); });
  parser.write(text).close();
  if (root === null) throw new Error(`no element in ${text}`);
  return root;
}

/** The child elements of `element` in namespace `uri`. */
export function childrenIn(element: ExpandedElement, uri: string): ExpandedElement[] {
  return element.children.filter((child): child is ExpandedElement => typeof child !== 'string' && child.name.startsWith(`{${uri}}`));
}
