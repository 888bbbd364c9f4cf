import type { Element } from './element.js';
import { NS } from './namespaces.js';
import { DEFAULT_LIMITS, XmlStreamParser } from './stream-parser.js';

/** A root like a client stream's, so that the stanza reads as one a client sent (jabber:client, implicit). */
const OPEN = `<stream xmlns="${NS.client}">`;
const CLOSE = '</stream>';

/**
 * One stanza serialised elsewhere (another cluster node, a saved room), read with the strict parser and the same limits as a
 * client's stanza: what another node wrote is an input like any other. Null when it is not exactly
 * one element.
 */
export function parseElement(text: string): Element | null {
  const elements: Element[] = [];
  let failed = false;
  let closed = false;
  const parser = new XmlStreamParser('stream', DEFAULT_LIMITS, {
    onElement: (element) => { elements.push(element); },
    onRootClose: () => { closed = true; },
    onError: () => { failed = true; },
  });
  parser.write(OPEN);
  parser.write(text);
  parser.write(CLOSE);
  parser.end();
  return !failed && closed && elements.length === 1 ? elements[0]! : null;
}
