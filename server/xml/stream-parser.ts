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

/**
 * A strict, bounded, streaming XML parser for XMPP (RFC 6120 §11): saxes does the XML,
 * this class enforces restricted XML and the limits, and builds ltx Elements.
 *
 * Modes: 'stream' — one root element (stream header or BOSH body) whose children are emitted
 * as they complete; 'fragment' — a sequence of top-level elements (RFC 7395 WebSocket frames).
 *
 * Sizes are counted in UTF-16 code units of decoded text, which is at most the byte count,
 * so a stanza within the byte cap always passes and the memory held stays bounded.
 */
export class XmlStreamParser {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly sax: SaxesParser<{ xmlns: true; fragment: boolean; position: true }>;
  private readonly rootDepth: number;
  private depth = 0;
  private stack: Element[] = [];
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
  /** Elements completed during the current write, delivered only if the whole chunk parsed. */
  private completed: (Element | typeof ROOT_CLOSED)[] = [];

  constructor(
    private readonly mode: 'stream' | 'fragment',
    private limits: ParserLimits,
    private readonly handlers: ParserHandlers,
  ) {
    this.rootDepth = mode === 'stream' ? 1 : 0;
    this.sax = new SaxesParser({ xmlns: true, fragment: mode === 'fragment', position: true });
    this.sax.on('opentagstart', () => this.onOpenTagStart());
    this.sax.on('attribute', () => this.onAttribute());
    this.sax.on('opentag', (tag) => this.onOpenTag(tag));
    this.sax.on('closetag', (tag) => this.onCloseTag(tag));
    this.sax.on('text', (text) => this.onText(text));
    this.sax.on('cdata', (text) => this.onText(text));
    this.sax.on('doctype', () => this.fail(new StreamError('restricted-xml', 'DTDs are not allowed')));
    this.sax.on('comment', () => this.fail(new StreamError('restricted-xml', 'comments are not allowed')));
    this.sax.on('processinginstruction', () =>
      this.fail(new StreamError('restricted-xml', 'processing instructions are not allowed')));
    this.sax.on('error', (error) => this.fail(translateSaxError(error)));
  }

  get hasFailed(): boolean {
    return this.failed;
  }

  /** True when no element is half-received (RFC 7395 requires whole elements per frame). */
  get atBoundary(): boolean {
    return this.depth <= this.rootDepth && this.stack.length === 0;
  }

  setLimits(limits: ParserLimits): void {
    this.limits = limits;
  }

  write(chunk: Buffer | Uint8Array | string): void {
    if (this.failed) return;
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      try {
        text = this.decoder.decode(chunk, { stream: true });
      } catch {
        this.reportFailure(new StreamError('not-well-formed', 'invalid UTF-8'));
        return;
      }
    }
    this.fed += text.length;
    this.runSax(() => this.sax.write(text));
    if (!this.failed && this.fed - this.unitStart > this.limits.maxStanzaSize) {
      this.reportFailure(new StreamError('policy-violation', 'stanza too big', stanzaTooBig()));
    }
    this.deliverCompleted();
  }

  /** Signals the end of input (for a complete document such as a BOSH body or a WebSocket frame). */
  end(): void {
    if (this.failed) return;
    this.runSax(() => this.sax.close());
    this.deliverCompleted();
  }

  private runSax(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (error !== STOP) throw error;
    }
  }

  /**
   * saxes can report a close tag before noticing that it was the wrong one, so elements are
   * handed on only once the chunk that completed them parsed without error.
   */
  private deliverCompleted(): void {
    const completed = this.completed;
    this.completed = [];
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
    const attrs: Record<string, string> = {};
    for (const attr of Object.values(tag.attributes)) attrs[attr.name] = attr.value;

    if (this.depth === this.rootDepth && this.mode === 'stream') {
      this.handlers.onRootOpen?.({
        name: tag.name,
        uri: tag.uri,
        defaultNamespace: tag.ns[''] ?? '',
        attrs,
      });
      this.unitStart = this.sax.position;
      return;
    }

    let element: Element;
    if (this.stack.length === 0) {
      // A top-level element: name it by its local name and make its namespace explicit,
      // leaving jabber:client implicit, so routing code never deals with prefixes.
      element = new Element(tag.local, attrs);
      delete element.attrs[`xmlns:${tag.prefix}`];
      if (tag.uri === NS.client) delete element.attrs.xmlns;
      else element.attrs.xmlns = tag.uri;
    } else {
      element = new Element(tag.name, attrs);
      this.stack[this.stack.length - 1]!.cnode(element);
    }
    this.stack.push(element);
  }

  private onCloseTag(tag: SaxesTagNS): void {
    this.depth -= 1;
    if (this.depth < this.rootDepth) {
      this.completed.push(ROOT_CLOSED);
      return;
    }
    const element = this.stack.pop();
    if (!element || element.name.split(':').pop() !== tag.local) return;
    if (this.stack.length === 0) {
      // A stanza that began and ended within one chunk is never seen by the check in write().
      if (this.sax.position - this.unitStart > this.limits.maxStanzaSize) {
        this.fail(new StreamError('policy-violation', 'stanza too big', stanzaTooBig()));
      }
      this.unitStart = this.sax.position;
      this.completed.push(element);
    }
  }

  private onText(text: string): void {
    const parent = this.stack[this.stack.length - 1];
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
    this.completed = [];
    this.handlers.onError(error);
  }
}

/** Thrown from inside saxes callbacks to abandon the rest of the current chunk. */
const STOP = Symbol('stop parsing');
const ROOT_CLOSED = Symbol('root closed');

function translateSaxError(error: Error): StreamError {
  const message = error.message;
  // Only a well-formed reference to an undeclared entity is restricted XML; a malformed one
  // (e.g. &#0;, a reference to a character XML forbids) is simply not well-formed.
  if (/undefined entity/i.test(message)) return new StreamError('restricted-xml', 'entity references are not allowed');
  if (/doctype/i.test(message)) return new StreamError('restricted-xml', 'DTDs are not allowed');
  return new StreamError('not-well-formed', message.replace(/^.*?:\d+:\d+: /, ''));
}
