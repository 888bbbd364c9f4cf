import { StanzaError, StreamError } from '../xml/errors.js';
import type { Element } from '../xml/element.js';
import type { Router } from '../core/router.js';
import type { SessionRegistry } from '../core/sessions.js';
import { tryParseJid } from '../jid/jid.js';
import type { Logger } from '../log.js';
import { StanzaTemplate } from '../xml/stanza-template.js';
import { parseFrame } from './frames.js';
import type { LocalSessionLookup } from './local-sessions.js';
import { parseElement } from '../xml/parse-element.js';

/**
 * This member's inbox channel: stanzas other nodes routed to its sessions, and requests to
 * close one. A stanza goes to the local session only, never back into routing (no loops).
 * When the session went away between the sender's lookup and now, the stanza gets the answer
 * RFC 6121 §8.5.3.2 gives for a full JID with no session: an iq request and a message a
 * person wrote bounce with service-unavailable (to the sender, wherever it is); presence,
 * results, errors, groupchat and headlines are dropped.
 */
export class Inbox {
  constructor(
    private readonly sessions: SessionRegistry,
    private readonly local: LocalSessionLookup,
    private readonly router: Router,
    private readonly log: Logger,
    /** A stanza for a room this node serves, from a client of another node (or a component). */
    private readonly forwarded: (from: string, stanza: Element) => void = () => {},
    /** Every stanza for this node's sessions, with their full JIDs, before it goes to them (rooms' reflections end a wait). */
    private readonly arriving: (stanza: Element, recipients: readonly string[]) => void = () => {},
  ) {}

  receive(text: string): void {
    const frame = parseFrame(text);
    if (frame?.kind === 'each' || frame?.kind === 'forward') {
      const stanza = this.stanza(frame.stanza, text);
      if (!stanza) return;
      if (frame.kind === 'forward') {
        this.forwarded(frame.from, stanza);
        return;
      }
      this.arriving(stanza, frame.jids);
      this.deliverEach(frame.jids, stanza);
      return;
    }
    const jid = frame && tryParseJid(frame.jid);
    if (!frame || !jid || jid.resource === null) {
      this.log.warn({ length: text.length }, 'cluster: dropping a message on this node\'s channel that is not a frame');
      return;
    }
    const session = this.sessions.get(jid);
    const local = session && this.local.has(session) ? session : null;
    if (frame.kind === 'close') {
      if (local?.id === frame.sessionId) local.close(frame.condition ? new StreamError(frame.condition) : undefined);
      return;
    }
    const stanza = this.stanza(frame.stanza, text);
    if (!stanza) return;
    this.arriving(stanza, [frame.jid]);
    if (local) local.send(stanza);
    else this.undeliverable(stanza);
  }

  private stanza(serialised: string, frame: string): Element | null {
    const stanza = parseElement(serialised);
    if (stanza && ['message', 'presence', 'iq'].includes(stanza.name)) return stanza;
    this.log.warn({ length: frame.length }, 'cluster: dropping a stanza from another node that does not parse');
    return null;
  }

  /**
   * One stanza for many of this node's sessions (a room's broadcast): each copy gets its `to`.
   * The serving node wrote each recipient as its session's canonical JID, so the session is
   * found by that text (no JID parse per recipient), and the stanza, parsed once for the
   * frame, is serialised once for all of them.
   */
  private deliverEach(jids: readonly string[], stanza: Element): void {
    let template: StanzaTemplate | undefined;
    for (const jid of jids) {
      const session = this.local.named(jid);
      // Only the registered holder of that JID: a resource bound since on another node is
      // that node's to reach, never re-sent from here (no loops).
      if (!session || this.sessions.get(session.jid) !== session) continue;
      template ??= new StanzaTemplate(stanza);
      session.send(template.copyFor(jid));
    }
  }

  private undeliverable(stanza: Element): void {
    const type = stanza.attrs.type;
    const request = stanza.name === 'iq' ? type === 'get' || type === 'set'
      : stanza.name === 'message' && (type === undefined || type === 'chat' || type === 'normal');
    if (request) this.router.bounce(stanza, new StanzaError('cancel', 'service-unavailable'));
  }
}
