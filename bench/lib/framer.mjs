/**
 * Splits an XML stream (a raw XMPP stream, or one BOSH <body/>) into its top-level children.
 *
 * This is a load generator's parser: it does not check well-formedness (the servers under
 * test are trusted), but it does track tag depth with quoted attribute values, comments,
 * CDATA and processing instructions in mind, so that a stanza is always cut exactly at its
 * own end tag and nothing is matched across stanza boundaries. Every depth-1 element is
 * handed over as its exact source text.
 */

const LT = 0x3c; // <
const GT = 0x3e; // >
const SLASH = 0x2f; // /
const BANG = 0x21; // !
const QUESTION = 0x3f; // ?
const SQUOTE = 0x27;
const DQUOTE = 0x22;

/** Index of the `>` that ends the start tag beginning at `from` (a `<`), or -1 if not here yet. */
export function startTagEnd(text, from) {
  let quote = 0;
  for (let i = from + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === SQUOTE || c === DQUOTE) {
      quote = c;
    } else if (c === GT) {
      return i;
    }
  }
  return -1;
}

/** A cap on the bytes buffered for one unfinished stanza: the peer is a server we control. */
const MAX_PENDING = 16 * 1024 * 1024;

export class StanzaFramer {
  /**
   * @param {{
   *   onOpen?: (tag: string) => void,
   *   onStanza: (stanza: string) => void,
   *   onClose?: () => void,
   * }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.buf = '';
    /** Where scanning resumes in buf. */
    this.pos = 0;
    this.depth = 0;
    /** Start of the depth-1 element being read, or -1. */
    this.stanzaStart = -1;
    this.closed = false;
    /** Bumped by reset(), so a handler that restarts the stream stops the current scan. */
    this.generation = 0;
  }

  /** @param {string} chunk decoded text */
  write(chunk) {
    if (this.closed) return;
    this.buf = this.buf.length === 0 ? chunk : this.buf + chunk;
    const text = this.buf;
    const generation = this.generation;
    let pos = this.pos;
    for (;;) {
      const lt = text.indexOf('<', pos);
      if (lt === -1) {
        pos = text.length;
        break;
      }
      if (lt + 1 >= text.length) {
        pos = lt;
        break;
      }
      const next = text.charCodeAt(lt + 1);
      let end;
      if (next === QUESTION) {
        end = text.indexOf('?>', lt + 2);
        if (end === -1) { pos = lt; break; }
        pos = end + 2;
        continue;
      }
      if (next === BANG) {
        if (text.length < lt + 4) { pos = lt; break; }
        const cdata = text.startsWith('<![CDATA[', lt);
        const terminator = cdata ? ']]>' : text.startsWith('<!--', lt) ? '-->' : '>';
        end = text.indexOf(terminator, lt + 2);
        if (end === -1) { pos = lt; break; }
        pos = end + terminator.length;
        continue;
      }
      if (next === SLASH) {
        end = text.indexOf('>', lt + 2);
        if (end === -1) { pos = lt; break; }
        pos = end + 1;
        this.depth--;
        if (this.depth === 1 && this.stanzaStart !== -1) {
          this.emit(text.slice(this.stanzaStart, pos));
          if (generation !== this.generation) return;
        } else if (this.depth === 0) {
          this.closed = true;
          this.buf = '';
          this.pos = 0;
          this.handlers.onClose?.();
          return;
        }
        continue;
      }
      end = startTagEnd(text, lt);
      if (end === -1) { pos = lt; break; }
      pos = end + 1;
      const selfClosing = text.charCodeAt(end - 1) === SLASH;
      if (this.depth === 0) {
        this.handlers.onOpen?.(text.slice(lt, pos));
        if (selfClosing) {
          this.closed = true;
          this.handlers.onClose?.();
          return;
        }
        this.depth = 1;
      } else if (this.depth === 1) {
        this.stanzaStart = lt;
        if (selfClosing) this.emit(text.slice(lt, pos));
        else this.depth = 2;
      } else if (!selfClosing) {
        this.depth++;
      }
      if (this.closed || generation !== this.generation) return;
    }
    // Keep only what is still needed: the unfinished stanza, or the unread tail.
    const keepFrom = this.depth >= 2 ? this.stanzaStart : pos;
    this.buf = text.slice(keepFrom);
    this.pos = pos - keepFrom;
    if (this.stanzaStart !== -1) this.stanzaStart -= keepFrom;
    if (this.buf.length > MAX_PENDING) throw new Error('stanza larger than 16 MiB');
  }

  emit(stanza) {
    this.stanzaStart = -1;
    this.handlers.onStanza(stanza);
  }

  /** A stream restart: forget everything buffered. */
  reset() {
    this.buf = '';
    this.pos = 0;
    this.depth = 0;
    this.stanzaStart = -1;
    this.closed = false;
    this.generation++;
  }
}
