import { describe, it, expect } from 'vitest';
import { XmlStreamParser, DEFAULT_LIMITS, type ParserLimits } from '../../server/xml/stream-parser.js';
import type { Element } from '../../server/xml/element.js';
import type { StreamError } from '../../server/xml/errors.js';

/** One parser for many documents, as the WebSocket transport uses it: one document per message. */
function reusable(mode: 'stream' | 'fragment' = 'fragment', limits: ParserLimits = DEFAULT_LIMITS) {
  const out = { elements: [] as Element[], errors: [] as StreamError[], roots: 0, closes: 0 };
  const parser = new XmlStreamParser(mode, limits, {
    onRootOpen: () => { out.roots += 1; },
    onElement: (element) => out.elements.push(element),
    onRootClose: () => { out.closes += 1; },
    onError: (error) => out.errors.push(error),
  });
  /** Parses one whole document, as a WebSocket message, and returns what it delivered. */
  const message = (input: string | Buffer): string[] => {
    const before = out.elements.length;
    parser.writeDocument(typeof input === 'string' ? Buffer.from(input) : input);
    return out.elements.slice(before).map((element) => element.toString());
  };
  return { parser, out, message };
}

const OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";
const BODY = "<body xmlns='http://jabber.org/protocol/httpbind' rid='1'>";

/** A jabber:client element, which the parser leaves without an explicit namespace. */
function el(name: string, content = ''): string {
  return content ? `<${name} xmlns='jabber:client'>${content}</${name}>` : `<${name} xmlns='jabber:client'/>`;
}

describe('XML stream parser reused across documents', () => {
  it('reads several messages in turn, each on its own', () => {
    const { parser, out, message } = reusable();
    expect(message(OPEN)).toEqual(['<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>']);
    expect(message("<message xmlns='jabber:client' to='a@b'><body>one</body></message>")).toEqual(['<message to="a@b"><body>one</body></message>']);
    expect(message(`${el('iq', "<ping xmlns='urn:xmpp:ping'/>")} ${el('presence')}`)).toEqual([
      '<iq><ping xmlns="urn:xmpp:ping"/></iq>',
      '<presence/>',
    ]);
    expect(message('  ')).toEqual([]);
    expect(out.errors).toEqual([]);
    expect(parser.atBoundary).toBe(true);
  });

  it('delivers nothing from a message that fails, and stays failed', () => {
    const { parser, out, message } = reusable();
    expect(message(el('a'))).toEqual(['<a/>']);
    expect(message(`${el('b')}${el('c')}<d xmlns='jabber:client'></e>`)).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
    expect(parser.hasFailed).toBe(true);
    expect(message(el('f'))).toEqual([]);
    expect(out.errors).toHaveLength(1);
  });

  it('delivers nothing from a message whose last element is unfinished', () => {
    const { out, message } = reusable();
    expect(message(`${el('presence')}${el('iq', '<query/>')}<message xmlns='jabber:client'><body>hel`)).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
  });

  it('rejects an element split across two messages', () => {
    const { out, message } = reusable();
    expect(message("<message xmlns='jabber:client'><body>hel")).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
    expect(message('lo</body></message>')).toEqual([]);
    expect(out.errors).toHaveLength(1);
  });

  it('rejects a message that ends inside a tag', () => {
    const { out, message } = reusable();
    expect(message(`${el('presence')}<message to='a`)).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
  });

  it('applies limits changed between messages', () => {
    const { parser, out, message } = reusable('fragment', { ...DEFAULT_LIMITS, maxStanzaSize: 1000 });
    const big = el('message', `<body>${'x'.repeat(2000)}</body>`);
    parser.setLimits({ ...DEFAULT_LIMITS, maxStanzaSize: 4000 });
    expect(message(big)).toHaveLength(1);
    parser.setLimits({ ...DEFAULT_LIMITS, maxStanzaSize: 1000 });
    expect(message(big)).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['policy-violation']);
  });

  it('applies lower depth, element and attribute limits to the next message', () => {
    for (const [limits, input] of [
      [{ maxDepth: 2 }, el('a', '<b><c/></b>')],
      [{ maxElements: 2 }, el('a', '<b/><c/>')],
      [{ maxAttributes: 2 }, "<a xmlns='jabber:client' x='1' y='2'/>"],
    ] as const) {
      const { parser, out, message } = reusable();
      expect(message(input)).toHaveLength(1);
      parser.setLimits({ ...DEFAULT_LIMITS, ...limits });
      expect(message(input)).toEqual([]);
      expect(out.errors.map((e) => e.condition)).toEqual(['policy-violation']);
    }
  });

  it('starts counting the stanza size afresh with each message', () => {
    const { out, message } = reusable('fragment', { ...DEFAULT_LIMITS, maxStanzaSize: 300 });
    const stanza = el('message', `<body>${'x'.repeat(200)}</body>`);
    for (let i = 0; i < 20; i++) expect(message(stanza)).toHaveLength(1);
    expect(out.errors).toEqual([]);
  });

  it('drops a character cut off at the end of a message, as a new parser would', () => {
    const { out, message } = reusable();
    const euro = Buffer.from('€');
    expect(message(Buffer.concat([Buffer.from(el('a')), euro.subarray(0, 2)]))).toEqual(['<a/>']);
    expect(message(Buffer.concat([euro.subarray(2), Buffer.from(el('b'))]))).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
  });

  it('drops a byte order mark at the start of each document only', () => {
    const { out, message } = reusable();
    expect(message(`\uFEFF${el('a')}`)).toEqual(['<a/>']);
    expect(message(`\uFEFF${el('b')}`)).toEqual(['<b/>']);
    expect(out.errors).toEqual([]);
    expect(message(`${el('c')}\uFEFFx`)).toEqual([]);
    expect(out.errors.map((e) => e.condition)).toEqual(['bad-format']);
  });

  it('reads one stream-mode document after another with end()', () => {
    const { parser, out } = reusable('stream');
    for (const child of ['message', 'iq']) {
      parser.write(Buffer.from(BODY));
      parser.write(Buffer.from(`${el(child)}</body>`));
      parser.end();
    }
    expect(out.elements.map(String)).toEqual(['<message/>', '<iq/>']);
    expect(out).toMatchObject({ roots: 2, closes: 2, errors: [] });
  });

  it('lets a handler parse another document while its own parser is mid-chunk', () => {
    const seen: string[] = [];
    const outer = new XmlStreamParser('stream', DEFAULT_LIMITS, {
      onRootOpen: () => {
        const nested = new XmlStreamParser('fragment', DEFAULT_LIMITS, {
          onElement: (element) => seen.push(`nested ${element.toString()}`),
          onError: (error) => seen.push(`nested ${error.condition}`),
        });
        nested.write(`${el('x')}<!-- no -->`);
      },
      onElement: (element) => seen.push(element.toString()),
      onError: (error) => seen.push(error.condition),
    });
    outer.write(`${BODY}${el('y')}<!-- no -->`);
    expect(seen).toEqual(['nested restricted-xml', 'restricted-xml']);
    const again = new XmlStreamParser('stream', DEFAULT_LIMITS, { onElement: (e) => seen.push(e.toString()), onError: (e) => seen.push(e.condition) });
    again.write(`${BODY}${el('z')}`);
    expect(seen.at(-1)).toBe('<z/>');
  });
});

describe('XML stream parser UTF-8 decoding', () => {
  const HEADER = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

  function streamOf(chunks: Buffer[]) {
    const { parser, out } = reusable('stream');
    parser.write(Buffer.from(HEADER));
    for (const chunk of chunks) parser.write(chunk);
    return out;
  }

  it('decodes characters of every length split at every byte', () => {
    const stanza = Buffer.from('<message><body>aé€😀\u{10FFFF}\uD7FF\uE000</body></message>');
    for (let cut = 1; cut < stanza.length; cut++) {
      const out = streamOf([stanza.subarray(0, cut), stanza.subarray(cut)]);
      expect(out.errors).toEqual([]);
      expect(out.elements[0]!.getChildText('body')).toBe('aé€😀\u{10FFFF}\uD7FF\uE000');
    }
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong two-byte form', [0xc0, 0xaf]],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a lead byte that no character starts with', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['a sequence cut short by ASCII', [0xe2, 0x82, 0x41]],
  ])('rejects %s, however the chunks are cut', (_what, bytes) => {
    const input = Buffer.from([0x3c, 0x61, 0x3e, ...bytes, 0x3c, 0x2f, 0x61, 0x3e]);
    for (let cut = 1; cut < input.length; cut++) {
      const out = streamOf([input.subarray(0, cut), input.subarray(cut)]);
      expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
      expect(out.elements).toEqual([]);
    }
  });

  it('rejects an invalid sequence in the chunk that has it, not later', () => {
    // <a/> completes in the same chunk, so it must not be delivered.
    const out = streamOf([Buffer.from([0x3c, 0x61, 0x2f, 0x3e, 0xe0, 0x80])]);
    expect(out.errors.map((e) => e.condition)).toEqual(['not-well-formed']);
    expect(out.elements).toEqual([]);
  });
});
