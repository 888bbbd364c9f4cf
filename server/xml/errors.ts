import { clone, xml, type Element } from './element.js';
import { NS } from './namespaces.js';

export type StanzaErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** RFC 6120 §8.3.3 defined conditions. */
export type StanzaErrorCondition =
  | 'bad-request' | 'conflict' | 'feature-not-implemented' | 'forbidden' | 'gone'
  | 'internal-server-error' | 'item-not-found' | 'jid-malformed' | 'not-acceptable'
  | 'not-allowed' | 'not-authorized' | 'policy-violation' | 'recipient-unavailable'
  | 'redirect' | 'registration-required' | 'remote-server-not-found'
  | 'remote-server-timeout' | 'resource-constraint' | 'service-unavailable'
  | 'subscription-required' | 'undefined-condition' | 'unexpected-request';

/** An XMPP stanza error as a value: handlers throw or return it, the router answers with it. */
export class StanzaError extends Error {
  constructor(
    readonly type: StanzaErrorType,
    readonly condition: StanzaErrorCondition,
    readonly text?: string,
    /** An application-specific condition element, e.g. <file-too-large/>. */
    readonly appCondition?: Element,
  ) {
    super(text ? `${condition}: ${text}` : condition);
  }

  toElement(by?: string): Element {
    return xml('error', { type: this.type, by },
      xml(this.condition, { xmlns: NS.stanzas }),
      this.text && xml('text', { xmlns: NS.stanzas, 'xml:lang': 'en' }, this.text),
      this.appCondition);
  }
}

/** RFC 6120 §4.9.3 stream error conditions. */
export type StreamErrorCondition =
  | 'bad-format' | 'bad-namespace-prefix' | 'conflict' | 'connection-timeout'
  | 'host-gone' | 'host-unknown' | 'improper-addressing' | 'internal-server-error'
  | 'invalid-from' | 'invalid-namespace' | 'invalid-xml' | 'not-authorized'
  | 'not-well-formed' | 'policy-violation' | 'remote-connection-failed' | 'reset'
  | 'resource-constraint' | 'restricted-xml' | 'see-other-host' | 'system-shutdown'
  | 'undefined-condition' | 'unsupported-encoding' | 'unsupported-feature'
  | 'unsupported-stanza-type' | 'unsupported-version';

/** A stream-level error: the stream is closed after sending it. */
export class StreamError extends Error {
  constructor(
    readonly condition: StreamErrorCondition,
    readonly text?: string,
    /** Application-specific condition, e.g. <stanza-too-big xmlns='urn:xmpp:errors'/>. */
    readonly appCondition?: Element,
  ) {
    super(text ? `${condition}: ${text}` : condition);
  }

  toElement(): Element {
    return xml('stream:error', {},
      xml(this.condition, { xmlns: NS.streams }),
      this.text && xml('text', { xmlns: NS.streams, 'xml:lang': 'en' }, this.text),
      this.appCondition);
  }
}

/** The XEP-0205/RFC 6120 "stanza too big" application condition. */
export function stanzaTooBig(): Element {
  return xml('stanza-too-big', { xmlns: 'urn:xmpp:errors' });
}

/** Builds the error reply to a stanza: to/from swapped, type='error', original children kept. */
export function errorReply(stanza: Element, error: StanzaError, by?: string): Element {
  const reply = xml(stanza.name, {
    type: 'error',
    id: stanza.attrs.id,
    to: stanza.attrs.from,
    from: stanza.attrs.to,
  });
  // Echo the payload back for iq and message, as RFC 6120 §8.3.1 allows; presence errors stay small.
  if (stanza.name !== 'presence') {
    for (const child of stanza.children) {
      if (typeof child !== 'string' && child.name !== 'error') reply.cnode(clone(child));
    }
  }
  reply.cnode(error.toElement(by));
  return reply;
}
