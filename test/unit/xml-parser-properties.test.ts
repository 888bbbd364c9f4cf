import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XmlStreamParser, type ParserLimits } from '../../server/xml/stream-parser.js';
import type { Element } from '../../server/xml/element.js';
import { isBodyFailure, readBody } from '../../server/transports/bosh/body.js';
import { expandNamespaces } from '../helpers/strict-xml.js';

/**
 * Bounded property runs (fast-check) of the two parsers that read client bytes: the XML
 * stream parser and the BOSH body reader. Valid documents cut at arbitrary byte positions
 * give the same events as in one piece; mutated documents never throw, never hang, and
 * nothing delivered breaks the caps or is namespace-ill-formed on the way out.
 */

const RUNS = 300;
/** A run over a few KiB that took this long would be a hang, not slowness. */
const HANG_MS = 2000;
/** Small caps, so that mutations reach them. */
const LIMITS: ParserLimits = { maxStanzaSize: 4096, maxDepth: 6, maxElements: 40, maxAttributes: 6 };
/** Caps no generated valid document reaches. */
const ROOMY: ParserLimits = { maxStanzaSize: 1 << 20, maxDepth: 64, maxElements: 5000, maxAttributes: 64 };

const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' xmlns:s='urn:example:s' to='localhost' version='1.0'>";
const NAMESPACES = ['jabber:client', 'urn:example:a', 'urn:example:b', 'urn:example:s'];

/** An element as generated: its namespace, local name, plain attributes, children. */
interface Tree { uri: string; local: string; attrs: [string, string][]; prefixed: boolean; children: (Tree | string)[] }

const text = fc.string({ unit: fc.constantFrom('a', 'z', ' ', 'é', '€', '😀', '&', '<', '>', '"', "'", '\n'), maxLength: 12 });
const escape = (value: string): string => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.record({
    uri: fc.constantFrom(...NAMESPACES),
    local: fc.constantFrom('message', 'body', 'item', 'x', 'data'),
    attrs: fc.uniqueArray(fc.tuple(fc.constantFrom('id', 'to', 'type', 'k', 'xml:lang'), text), { maxLength: 3, selector: ([name]) => name }),
    prefixed: fc.boolean(),
    children: fc.array(fc.oneof({ depthSize: 'small' }, text, tie('tree')), { maxLength: 3 }),
  }),
})).tree;

/**
 * Serialises a tree, declaring its namespace by prefix or as the default, as a sender might;
 * with `streamPrefix`, prefix s is left to the stream header's declaration.
 */
function serialise(node: Tree, inherited: string, streamPrefix: boolean, depth = 0): string {
  let open: string;
  if (node.uri === 'urn:example:s' && node.prefixed && streamPrefix) {
    open = `s:${node.local}`; // declared on the stream header only
  } else if (node.prefixed) {
    open = `p${depth}:${node.local} xmlns:p${depth}='${node.uri}'`;
  } else {
    open = node.uri === inherited ? node.local : `${node.local} xmlns='${node.uri}'`;
  }
  const name = open.split(' ')[0]!;
  const inScope = node.prefixed ? inherited : node.uri;
  const attrs = node.attrs.map(([key, value]) => ` ${key}='${escape(value)}'`).join('');
  const children = node.children.map((child) => typeof child === 'string' ? escape(child) : serialise(child, inScope, streamPrefix, depth + 1)).join('');
  return `<${open}${attrs}>${children}</${name}>`;
}

const document = fc.array(tree, { minLength: 1, maxLength: 4 }).map((stanzas) => Buffer.from(HEADER + stanzas.map((s) => serialise(s, 'jabber:client', true)).join('') + '</stream:stream>'));

/** Cuts `bytes` at the given positions (taken modulo its length). */
function cut(bytes: Buffer, positions: number[]): Buffer[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

interface Run { events: string[]; errors: number; afterError: number; elements: Element[] }

function parse(chunks: Buffer[], limits: ParserLimits = LIMITS): Run {
  const run: Run = { events: [], errors: 0, afterError: 0, elements: [] };
  const event = (text: string) => {
    if (run.errors > 0) run.afterError += 1;
    run.events.push(text);
  };
  const parser = new XmlStreamParser('stream', limits, {
    onRootOpen: (root) => event(`open ${root.name}`),
    onElement: (element) => {
      run.elements.push(element);
      event(element.toString());
    },
    onRootClose: () => event('close'),
    onError: (error) => {
      event(`error ${error.condition}`);
      run.errors += 1;
    },
  });
  for (const chunk of chunks) parser.write(chunk);
  return run;
}

/** Ways a client might break a valid document. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(
    '<!DOCTYPE x [<!ENTITY a "b">]>', '<!-- c -->', '<?pi x?>', '&lol;', '\u0000', '<![CDATA[x]]>', '<a a="1" a="2"/>',
    '<x xmlns:q="urn:q"><q:y/></x>', '<u:y/>', '</nope>', "<?xml version='1.0' encoding='ISO-8859-1'?>", '<a>'.repeat(20), "<e k='1' l='2' m='3' n='4' o='5' p='6' q='7'/>",
    '\uFEFF', '\u00e9', "<t xml:lang='en'/>") }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }), times: fc.integer({ min: 2, max: 30 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Buffer, change: Mutation): Buffer {
  const at = change.at % (bytes.length + 1);
  const head = bytes.subarray(0, at);
  const tail = bytes.subarray(at);
  switch (change.kind) {
    case 'flip': return Buffer.concat([head, Buffer.of(change.byte), tail.subarray(1)]);
    case 'delete': return Buffer.concat([head, tail.subarray(change.length)]);
    case 'insert': return Buffer.concat([head, Buffer.from(change.text), tail]);
    case 'bytes': return Buffer.concat([head, Buffer.from(change.bytes), tail]);
    case 'repeat': return Buffer.concat([head, ...Array<Buffer>(change.times).fill(tail.subarray(0, change.length)), tail]);
  }
}

/** Depth, elements and attributes of a delivered element, to hold against the caps. */
function shape(element: Element, depth = 1): { depth: number; elements: number; maxAttributes: number } {
  let out = { depth, elements: 1, maxAttributes: Object.keys(element.attrs).filter((key) => !key.startsWith('xmlns')).length };
  for (const child of element.getChildElements()) {
    const inner = shape(child, depth + 1);
    out = { depth: Math.max(out.depth, inner.depth), elements: out.elements + inner.elements, maxAttributes: Math.max(out.maxAttributes, inner.maxAttributes) };
  }
  return out;
}

describe('XML stream parser properties', () => {
  it('a valid document cut at any bytes gives the same events as in one piece', () => {
    fc.assert(fc.property(document, fc.array(fc.nat(), { maxLength: 12 }), (bytes, positions) => {
      const whole = parse([bytes], ROOMY);
      expect(whole.errors).toBe(0);
      expect(parse(cut(bytes, positions), ROOMY).events).toEqual(whole.events);
    }), { numRuns: RUNS });
  });

  it('every element delivered from a valid document reads the same to a strict namespace-aware reader', () => {
    fc.assert(fc.property(tree, (stanza) => {
      const sent = serialise(stanza, 'jabber:client', true);
      const { elements } = parse([Buffer.from(HEADER + sent)], ROOMY);
      expect(elements).toHaveLength(1);
      const context = { '': 'jabber:client', s: 'urn:example:s', stream: 'http://etherx.jabber.org/streams' };
      expect(expandNamespaces(elements[0]!.toString(), { '': 'jabber:client' })).toEqual(expandNamespaces(sent, context));
    }), { numRuns: RUNS });
  });

  it('a mutated document never throws or hangs; it fails once at most, then is silent, and what it delivers keeps the caps', () => {
    fc.assert(fc.property(document, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (valid, changes, positions) => {
      const bytes = changes.reduce(mutate, valid);
      const started = performance.now();
      const run = parse(cut(bytes, positions));
      expect(performance.now() - started).toBeLessThan(HANG_MS);
      expect(run.errors).toBeLessThanOrEqual(1);
      expect(run.afterError).toBe(0);
      for (const element of run.elements) {
        const { depth, elements, maxAttributes } = shape(element);
        expect(depth).toBeLessThanOrEqual(LIMITS.maxDepth);
        expect(elements).toBeLessThanOrEqual(LIMITS.maxElements);
        expect(maxAttributes).toBeLessThanOrEqual(LIMITS.maxAttributes);
        expect(Buffer.byteLength(element.toString())).toBeLessThanOrEqual(LIMITS.maxStanzaSize * 4);
        expect(() => expandNamespaces(element.toString(), { '': 'jabber:client' })).not.toThrow();
      }
    }), { numRuns: RUNS });
  });
});

// --- BOSH bodies -------------------------------------------------------------------------

const BOSH_OPEN = "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='42' sid='s1' xmpp:restart='false'>";
const boshBody = fc.array(tree, { maxLength: 3 }).map((stanzas) =>
  Buffer.from(BOSH_OPEN + stanzas.map((s) => serialise({ ...s, uri: 'jabber:client', prefixed: false }, 'http://jabber.org/protocol/httpbind', false)).join('') + '</body>'));
const MAX_BODY = 16 * 1024;

/** A request whose body arrives in these chunks. */
function request(chunks: Buffer[]): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers: {} }) as unknown as IncomingMessage;
}

async function summary(chunks: Buffer[]): Promise<string> {
  const body = await readBody(request(chunks), MAX_BODY, () => ROOMY);
  if (isBodyFailure(body)) return `failure ${body.status} ${body.condition}`;
  return JSON.stringify({ attrs: body.attrs, children: body.children.map(String) });
}

describe('BOSH body reader properties', () => {
  it('a valid body cut at any bytes reads the same as in one piece', async () => {
    await fc.assert(fc.asyncProperty(boshBody, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, positions) => {
      const whole = await summary([bytes]);
      expect(whole).not.toMatch(/^failure/);
      expect(await summary(cut(bytes, positions))).toBe(whole);
    }), { numRuns: RUNS });
  });

  it('a mutated body is read or refused, never thrown, and what it delivers keeps the caps', async () => {
    await fc.assert(fc.asyncProperty(boshBody, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), async (valid, changes, positions) => {
      const bytes = changes.reduce(mutate, valid);
      const body = await readBody(request(cut(bytes, positions)), MAX_BODY, () => LIMITS);
      if (isBodyFailure(body)) {
        expect([400, 413]).toContain(body.status);
        return;
      }
      for (const child of body.children) {
        const { depth, elements, maxAttributes } = shape(child);
        expect(depth).toBeLessThanOrEqual(LIMITS.maxDepth);
        expect(elements).toBeLessThanOrEqual(LIMITS.maxElements);
        expect(maxAttributes).toBeLessThanOrEqual(LIMITS.maxAttributes);
      }
    }), { numRuns: RUNS, timeout: HANG_MS });
  });
});
