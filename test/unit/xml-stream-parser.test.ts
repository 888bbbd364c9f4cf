import { describe, it, expect } from 'vitest';
import { XmlStreamParser, DEFAULT_LIMITS, type ParserLimits, type RootOpen } from '../../server/xml/stream-parser.js';
import type { Element } from '../../server/xml/element.js';
import type { StreamError } from '../../server/xml/errors.js';

function collect(mode: 'stream' | 'fragment', limits: ParserLimits = DEFAULT_LIMITS) {
  const out = { roots: [] as RootOpen[], elements: [] as Element[], errors: [] as StreamError[], closed: false };
  const parser = new XmlStreamParser(mode, limits, {
    onRootOpen: (root) => out.roots.push(root),
    onElement: (element) => out.elements.push(element),
    onRootClose: () => { out.closed = true; },
    onError: (error) => out.errors.push(error),
  });
  return { parser, out };
}

const HEADER = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

describe('XML stream parser', () => {
  it('reports the stream header and each stanza as it completes', () => {
    const { parser, out } = collect('stream');
    parser.write(HEADER);
    expect(out.roots[0]).toMatchObject({ name: 'stream:stream', uri: 'http://etherx.jabber.org/streams', defaultNamespace: 'jabber:client' });
    parser.write("<message to='a@b'><body>hel");
    expect(out.elements).toHaveLength(0);
    parser.write('lo</body></message> ');
    expect(out.elements[0]!.toString()).toBe('<message to="a@b"><body>hello</body></message>');
    parser.write('</stream:stream>');
    expect(out.closed).toBe(true);
    expect(out.errors).toEqual([]);
  });

  it('resolves prefixed top-level elements to their namespace', () => {
    const { parser, out } = collect('stream');
    parser.write(HEADER + "<sasl:auth xmlns:sasl='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</sasl:auth>");
    const auth = out.elements[0]!;
    expect(auth.name).toBe('auth');
    expect(auth.attrs.xmlns).toBe('urn:ietf:params:xml:ns:xmpp-sasl');
    expect(auth.getText()).toBe('AA==');
  });

  it('decodes a character split across two packets', () => {
    const { parser, out } = collect('stream');
    parser.write(HEADER);
    const bytes = Buffer.from('<message><body>é€😀</body></message>');
    for (let i = 0; i < bytes.length; i++) parser.write(bytes.subarray(i, i + 1));
    expect(out.elements[0]!.getChildText('body')).toBe('é€😀');
  });

  it('rejects invalid UTF-8 with not-well-formed', () => {
    const { parser, out } = collect('stream');
    parser.write(HEADER);
    parser.write(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]));
    expect(out.errors[0]!.condition).toBe('not-well-formed');
  });

  it.each([
    ['a comment', '<!-- hi --><a/>', 'restricted-xml'],
    ['a processing instruction', '<?foo bar?><a/>', 'restricted-xml'],
    ['a DTD', '<!DOCTYPE a [<!ENTITY x "y">]><a/>', 'restricted-xml'],
    ['an undeclared entity', '<a>&foo;</a>', 'restricted-xml'],
    ['an unquoted attribute', '<a b=c/>', 'not-well-formed'],
    ['a duplicate attribute', "<a b='1' b='2'/>", 'not-well-formed'],
    ['a NUL character', '<a>\u0000</a>', 'not-well-formed'],
    ['an unbound prefix', '<x:a/>', 'not-well-formed'],
    ['mismatched tags', '<a></b>', 'not-well-formed'],
  ])('rejects %s', (_what, input, condition) => {
    const { parser, out } = collect('fragment');
    parser.write(input);
    expect(out.errors.map((e) => e.condition)).toEqual([condition]);
    expect(out.elements).toEqual([]);
  });

  it('accepts the five predefined entities and character references', () => {
    const { parser, out } = collect('fragment');
    parser.write('<a x="&quot;&apos;">&lt;&gt;&amp;&#x41;&#66;</a>');
    expect(out.errors).toEqual([]);
    expect(out.elements[0]!.getText()).toBe('<>&AB');
    expect(out.elements[0]!.attrs.x).toBe('"\'');
  });

  it('caps nesting depth quickly', () => {
    const { parser, out } = collect('fragment');
    const started = process.hrtime.bigint();
    parser.write('<a>'.repeat(100_000));
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(out.errors[0]!.condition).toBe('policy-violation');
    // Not a timing test: a generous bound that only catches the 71 s pathological case.
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('caps the size of one stanza with stanza-too-big', () => {
    const { parser, out } = collect('stream', { ...DEFAULT_LIMITS, maxStanzaSize: 1000 });
    parser.write(HEADER + '<message><body>');
    for (let i = 0; i < 20 && out.errors.length === 0; i++) parser.write('x'.repeat(100));
    expect(out.errors[0]!.condition).toBe('policy-violation');
    expect(out.errors[0]!.appCondition?.name).toBe('stanza-too-big');
  });

  it('does not count earlier stanzas against the next one', () => {
    const { parser, out } = collect('stream', { ...DEFAULT_LIMITS, maxStanzaSize: 1000 });
    parser.write(HEADER);
    for (let i = 0; i < 50; i++) parser.write(`<message><body>${'x'.repeat(500)}</body></message>`);
    expect(out.errors).toEqual([]);
    expect(out.elements).toHaveLength(50);
  });

  it('caps elements per stanza and attributes per element', () => {
    const many = collect('fragment', { ...DEFAULT_LIMITS, maxElements: 10 });
    many.parser.write('<a>' + '<b/>'.repeat(20) + '</a>');
    expect(many.out.errors[0]!.condition).toBe('policy-violation');
    const attrs = collect('fragment', { ...DEFAULT_LIMITS, maxAttributes: 5 });
    attrs.parser.write('<a ' + Array.from({ length: 10 }, (_, i) => `a${i}='1'`).join(' ') + '/>');
    expect(attrs.out.errors[0]!.condition).toBe('policy-violation');
  });

  it('stops at the first error and ignores later input', () => {
    const { parser, out } = collect('fragment');
    parser.write('<a></b><c/>');
    parser.write('<d/>');
    expect(out.errors).toHaveLength(1);
    expect(out.elements).toEqual([]);
  });

  it('in fragment mode knows whether a frame held whole elements', () => {
    const { parser, out } = collect('fragment');
    parser.write("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>");
    expect(parser.atBoundary).toBe(true);
    expect(out.elements[0]!.attrs.xmlns).toBe('urn:ietf:params:xml:ns:xmpp-framing');
    parser.write("<message xmlns='jabber:client'><body>");
    expect(parser.atBoundary).toBe(false);
    parser.write('x</body></message>');
    expect(parser.atBoundary).toBe(true);
    expect(out.elements[1]!.attrs.xmlns).toBeUndefined();
  });

  it('rejects non-whitespace text between stanzas', () => {
    const { parser, out } = collect('stream');
    parser.write(HEADER + '  \n hello');
    parser.write('<a/>');
    expect(out.errors[0]!.condition).toBe('bad-format');
  });
});
