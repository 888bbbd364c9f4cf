import type { Element } from '../xml/element.js';
import { DEFAULT_LIMITS, XmlStreamParser } from '../xml/stream-parser.js';

/**
 * One stanza another node serialised, read with the strict parser and the same limits as a
 * client's stanza: a node's channel is an input like any other. Null when it is not exactly
 * one element.
 */
export function parseElement(text: string): Element | null {
  const elements: Element[] = [];
  let failed = false;
  const parser = new XmlStreamParser('fragment', DEFAULT_LIMITS, {
    onElement: (element) => { elements.push(element); },
    onError: () => { failed = true; },
  });
  parser.writeDocument(text);
  return !failed && elements.length === 1 ? elements[0]! : null;
}
