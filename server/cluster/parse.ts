import type { Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { DEFAULT_LIMITS, XmlStreamParser } from '../xml/stream-parser.js';

/** A root like a client stream's, so that the stanza reads as one a client sent (jabber:client, implicit). */
const OPEN = `<stream xmlns="${NS.client}">`;
const CLOSE = '</stream>';

/**
 * One stanza another node serialised, read with the strict parser and the same limits as a
 * client's stanza: a node's channel is an input like any other. Null when it is not exactly
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
