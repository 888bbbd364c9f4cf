import { SaxesParser, type SaxesTagNS } from 'saxes';
import { Element } from './element.js';
import { StreamError, stanzaTooBig } from './errors.js';
import { NS } from './namespaces.js';

export interface ParserLimits {
  /** Characters in one top-level element (a stanza), including its markup. */
  maxStanzaSize: number;
  /** Nesting depth below the stream root. */
  maxDepth: number;
  /** Elements in one stanza. */
  maxElements: number;
  /** Attributes on one element. */
  maxAttributes: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxStanzaSize: 256 * 1024,
  maxDepth: 64,
  maxElements: 5000,
  maxAttributes: 64,
};

export interface RootOpen {
  /** Qualified name as sent, e.g. "stream:stream" or "body". */
  name: string;
  /** Namespace URI of the root element. */
  uri: string;
  /** The default namespace in scope for the root's children. */
  defaultNamespace: string;
  attrs: Record<string, string>;
}

export interface ParserHandlers {
  /** 'stream' mode: the root element opened (a stream header, or a BOSH <body>). */
  onRootOpen?(root: RootOpen): void;
  /** A complete top-level element: a stanza or a negotiation element. */
  onElement(element: Element): void;
  /** 'stream' mode: the root element closed. */
  onRootClose?(): void;
  /** The input broke a rule; the parser stops and accepts no more input. */
  onError(error: StreamError): void;
}

type SaxOptions = { xmlns: true; fragment: boolean; position: true };

/**
 * saxes with its event handlers on the prototype, shared by every parser. Handlers set on
 * each instance (`on` stores them under computed keys) turn the saxes object into a V8
 * dictionary-mode object: about 3 KB more per connection and slower parsing. saxes calls
 * some handlers without `this`, so they find their XmlStreamParser through `active`.
 */
class SharedHandlerSaxes extends SaxesParser<SaxOptions> {}

/** The parser whose saxes is running; saxes is synchronous, so one at a time (or nested). */
let active: XmlStreamParser | null = null;

/** Stateless between calls (no `stream` option), so one serves every parser. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A strict, bounded, streaming XML parser for XMPP (RFC 6120 §11): saxes does the XML,
 * this class enforces restricted XML and the limits, and builds ltx Elements.
 *
 * Modes: 'stream' — one root element (stream header or BOSH body) whose children are emitted
 * as they complete; 'fragment' — a sequence of top-level elements (RFC 7395 WebSocket frames).
 * After end() or writeDocument() the parser starts over, so one parser can read one document
 * after another.
 *
 * Sizes are counted in UTF-16 code units of decoded text, which is at most the byte count,
 * so a stanza within the byte cap always passes and the memory held stays bounded.
 */
export class XmlStreamParser {
  static {
    const parser = (): XmlStreamParser => active!;
    const shared = SharedHandlerSaxes.prototype;
    shared.on('opentagstart', () => parser().onOpenTagStart());
    shared.on('attribute', () => parser().onAttribute());
    shared.on('opentag', (tag) => parser().onOpenTag(tag));
    shared.on('closetag', (tag) => parser().onCloseTag(tag));
    shared.on('text', (text) => parser().onText(text));
    shared.on('cdata', (text) => parser().onText(text));
    shared.on('xmldecl', (declaration) => {
      // RFC 6120 §11.6: UTF-8 only, and a declaration that says otherwise is refused, not ignored.
      if (declaration.encoding !== undefined && declaration.encoding.toLowerCase() !== 'utf-8') {
        parser().fail(new StreamError('unsupported-encoding', 'XMPP streams are UTF-8'));
      }
    });
    shared.on('doctype', () => parser().fail(new StreamError('restricted-xml', 'DTDs are not allowed')));
    shared.on('comment', () => parser().fail(new StreamError('restricted-xml', 'comments are not allowed')));
    shared.on('processinginstruction', () =>
      parser().fail(new StreamError('restricted-xml', 'processing instructions are not allowed')));
    shared.on('error', (error) => parser().fail(translateSaxError(error)));
  }

  private readonly sax: SharedHandlerSaxes;
  private readonly rootDepth: number;
  private depth = 0;
  /** The innermost open element of the current stanza (its ancestors are its `parent`s). */
  private current: Element | null = null;
  /** The namespace of `current` and of each of its ancestors, innermost last. */
  private readonly namespaces: string[] = [];
  private elementsInStanza = 0;
  private attributesOnElement = 0;
  /** Input position where the current unit (stanza or inter-stanza text) began. */
  private unitStart = 0;
  /**
   * Characters handed to saxes so far. Between writes saxes's own `position` counts the last
   * chunk twice (it is exact only inside its callbacks), so the check after a write uses this.
   */
  private fed = 0;
  private failed = false;
  /** Elements completed since the last delivery, delivered only if all the input parsed. */
  private completed: (Element | typeof ROOT_CLOSED)[] | null = null;
  /** The start of a UTF-8 character whose remaining bytes are in the next chunk. */
  private pendingBytes: Uint8Array | null = null;
  /** Whether any text was decoded yet: a byte order mark is dropped only at the very start. */
  private decodedAny = false;

  constructor(
    private readonly mode: 'stream' | 'fragment',
    private limits: ParserLimits,
    private readonly handlers: ParserHandlers,
  ) {
    this.rootDepth = mode === 'stream' ? 1 : 0;
    this.sax = new SharedHandlerSaxes({ xmlns: true, fragment: mode === 'fragment', position: true });
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  /** True when no element is half-received (RFC 7395 requires whole elements per frame). */
  get atBoundary(): boolean {
    return this.depth <= this.rootDepth && this.current === null;
  }

  setLimits(limits: ParserLimits): void {
    this.limits = limits;
  }

  write(chunk: Buffer | Uint8Array | string): void {
    this.feed(chunk);
    this.deliverCompleted();
  }

  /**
   * Signals the end of input (for a complete document such as a BOSH body); an unfinished
   * element is an error. Unless it failed, the parser then starts over as if new.
   */
  end(): void {
    this.finish();
    this.deliverCompleted();
    this.startOver();
  }

  /**
   * A whole document in one chunk, such as a WebSocket message (RFC 7395 §3.3.3): its
   * elements are delivered only if all of it parsed, so an element left unfinished at the
   * end spoils the elements before it too. Unless it failed, the parser then starts over.
   */
  writeDocument(chunk: Buffer | Uint8Array | string): void {
    this.feed(chunk);
    this.finish();
    this.deliverCompleted();
    this.startOver();
  }

  private feed(chunk: Buffer | Uint8Array | string): void {
    if (this.failed) return;
    const text = typeof chunk === 'string' ? chunk : this.decode(chunk);
    if (text === null) {
      this.reportFailure(new StreamError('not-well-formed', 'invalid UTF-8'));
      return;
    }
    this.fed += text.length;
    this.runSax(text);
    if (!this.failed && this.fed - this.unitStart > this.limits.maxStanzaSize) {
      this.reportFailure(new StreamError('policy-violation', 'stanza too big', stanzaTooBig()));
    }
  }

  private finish(): void {
    if (!this.failed) this.runSax(null);
  }

  /**
   * After a document, the state a new parser would have (saxes starts over by itself after
   * a successful close). The start of a character cut off at the end of the document is
   * dropped: a new parser would never have seen it.
   */
  private startOver(): void {
    if (this.failed) return;
    this.depth = 0;
    this.current = null;
    this.namespaces.length = 0;
    this.elementsInStanza = 0;
    this.attributesOnElement = 0;
    this.unitStart = 0;
    this.fed = 0;
    this.pendingBytes = null;
    this.decodedAny = false;
  }

  /**
   * Fatal streaming UTF-8 decoding without a TextDecoder per parser: the first bytes of a
   * character split across chunks wait in `pendingBytes`, and the shared decoder gets whole
   * characters only. Returns null for invalid UTF-8, in the same chunk as a streaming
   * TextDecoder would.
   */
  private decode(chunk: Uint8Array): string | null {
    let bytes = chunk;
    if (this.pendingBytes) {
      bytes = Buffer.concat([this.pendingBytes, chunk]);
      this.pendingBytes = null;
    }
    const cut = bytes.length - incompleteTail(bytes);
    if (cut < bytes.length) {
      // A copy, so that an idle connection does not keep the whole read buffer alive.
      this.pendingBytes = new Uint8Array(bytes.subarray(cut));
      bytes = bytes.subarray(0, cut);
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return null;
    }
    if (!this.decodedAny && text.length > 0) {
      this.decodedAny = true;
      if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
    }
    return text;
  }

  /** Feeds saxes a chunk, or null to close the document. */
  private runSax(text: string | null): void {
    const outer = active;
    active = this;
    try {
      if (text === null) {
        this.sax.close();
      } else {
        this.sax.write(text);
        // saxes holds on to the last chunk until the next write; an idle connection need not.
        this.sax.write('');
      }
    } catch (error) {
      if (error !== STOP) throw error;
    } finally {
      active = outer;
    }
  }

  /**
   * saxes can report a close tag before noticing that it was the wrong one, so elements are
   * handed on only once the chunk that completed them parsed without error.
   */
  private deliverCompleted(): void {
    const completed = this.completed;
    if (completed === null) return;
    this.completed = null;
    if (this.failed) return;
    for (const item of completed) {
      if (item === ROOT_CLOSED) this.handlers.onRootClose?.();
      else this.handlers.onElement(item);
    }
  }

  private onOpenTagStart(): void {
    this.depth += 1;
    this.attributesOnElement = 0;
    if (this.depth - this.rootDepth > this.limits.maxDepth) {
      this.fail(new StreamError('policy-violation', 'elements nested too deeply'));
    }
    if (this.depth === this.rootDepth + 1) {
      this.elementsInStanza = 0;
    }
    if (this.depth > this.rootDepth && ++this.elementsInStanza > this.limits.maxElements) {
      this.fail(new StreamError('policy-violation', 'too many elements in one stanza', stanzaTooBig()));
    }
  }

  private onAttribute(): void {
    if (++this.attributesOnElement > this.limits.maxAttributes) {
      this.fail(new StreamError('policy-violation', 'too many attributes'));
    }
  }

  private onOpenTag(tag: SaxesTagNS): void {
    if (this.depth === this.rootDepth && this.mode === 'stream') {
      const attrs: Record<string, string> = {};
      for (const attr of Object.values(tag.attributes)) attrs[attr.name] = attr.value;
      this.handlers.onRootOpen?.({
        name: tag.name,
        uri: tag.uri,
        defaultNamespace: tag.ns[''] ?? '',
        attrs,
      });
      this.unitStart = this.sax.position;
      return;
    }

    const topLevel = this.current === null;
    // A top-level element leaves jabber:client implicit (routing code never sees prefixes or
    // the stream's namespace); a child states its namespace where it differs from its parent's.
    const inherited = topLevel ? NS.client : this.namespaces[this.namespaces.length - 1]!;
    const element = new Element(tag.local, namespaceWellFormed(tag, inherited, !topLevel));
    if (!topLevel) this.current!.cnode(element);
    this.current = element;
    this.namespaces.push(tag.uri);
  }

  private onCloseTag(tag: SaxesTagNS): void {
    this.depth -= 1;
    if (this.depth < this.rootDepth) {
      (this.completed ??= []).push(ROOT_CLOSED);
      return;
    }
    const element = this.current;
    if (element === null) return;
    this.current = element.parent;
    this.namespaces.pop();
    if (element.name !== tag.local) return;
    if (this.current === null) {
      // A stanza that began and ended within one chunk is never seen by the check in write().
      if (this.sax.position - this.unitStart > this.limits.maxStanzaSize) {
        this.fail(new StreamError('policy-violation', 'stanza too big', stanzaTooBig()));
      }
      this.unitStart = this.sax.position;
      (this.completed ??= []).push(element);
    }
  }

  private onText(text: string): void {
    const parent = this.current;
    if (parent) {
      parent.t(text);
    } else if (text.trim() !== '') {
      this.fail(new StreamError('bad-format', 'text outside of a stanza'));
    }
  }

  /** From inside a saxes callback: report, then abandon the rest of the chunk. */
  private fail(error: StreamError): never {
    this.reportFailure(error);
    throw STOP;
  }

  private reportFailure(error: StreamError): void {
    if (this.failed) return;
    this.failed = true;
    this.completed = null;
    this.handlers.onError(error);
  }
}

/** Thrown from inside saxes callbacks to abandon the rest of the current chunk. */
const STOP = Symbol('stop parsing');
const ROOT_CLOSED = Symbol('root closed');
const BYTE_ORDER_MARK = 0xfeff;

/**
 * How many bytes at the end of `bytes` begin a UTF-8 character without finishing it, and
 * could still become a valid one: those wait for the next chunk. Anything else, valid or not,
 * is left to the decoder, so invalid input fails as early as with a streaming TextDecoder.
 */
function incompleteTail(bytes: Uint8Array): number {
  const length = bytes.length;
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = bytes[length - back]!;
    if (byte < 0x80) return 0;
    if (byte < 0xc0) continue; // a continuation byte: look further back for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    if (back >= needed || byte < 0xc2 || byte > 0xf4) return 0;
    return back === 1 || secondByteFits(byte, bytes[length - back + 1]!) ? back : 0;
  }
  return 0;
}

/** For a continuation byte after `lead`: rules out overlongs, surrogates and code points past U+10FFFF. */
function secondByteFits(lead: number, second: number): boolean {
  switch (lead) {
    case 0xe0: return second >= 0xa0;
    case 0xed: return second <= 0x9f;
    case 0xf0: return second >= 0x90;
    case 0xf4: return second <= 0x8f;
    default: return true;
  }
}

/**
 * The attributes of an element named by its local name, such that it reads the same wherever
 * it ends up: an element is copied out of its stanza (a room's broadcast, the archive) away
 * from the declarations its prefixes relied on, so prefixes are resolved here once, while
 * parsing, and nothing has to be repaired per recipient. The element's namespace becomes its
 * default namespace (stated unless it is `inherited` and the sender left it implicit); a
 * prefixed attribute keeps its prefix, declared on the element itself. Declarations the
 * sender wrote stay, for prefixes used in content.
 */
function namespaceWellFormed(tag: SaxesTagNS, inherited: string, keepExplicit: boolean): Record<string, string> {
  const attrs: Record<string, string> = {};
  if (tag.uri !== inherited || (keepExplicit && tag.attributes.xmlns !== undefined)) attrs.xmlns = tag.uri;
  for (const attr of Object.values(tag.attributes)) {
    if (attr.name === 'xmlns') continue;
    attrs[attr.name] = attr.value;
    if (attr.prefix !== '' && attr.prefix !== 'xml' && attr.prefix !== 'xmlns') attrs[`xmlns:${attr.prefix}`] = attr.uri;
  }
  return attrs;
}

function translateSaxError(error: Error): StreamError {
  const message = error.message;
  // Only a well-formed reference to an undeclared entity is restricted XML; a malformed one
  // (e.g. &#0;, a reference to a character XML forbids) is simply not well-formed.
  if (/undefined entity/i.test(message)) return new StreamError('restricted-xml', 'entity references are not allowed');
  if (/doctype/i.test(message)) return new StreamError('restricted-xml', 'DTDs are not allowed');
  return new StreamError('not-well-formed', message.replace(/^.*?:\d+:\d+: /, ''));
}
