import type { Element } from '../xml/element.js';
import type { StreamError } from '../xml/errors.js';
import type { StanzaBatch, StanzaSink } from '../core/session.js';
import { closeFrame, sendFrame } from './frames.js';

/** Publishes one frame to a member's inbox; failures are the publisher's to log. */
export type Publish = (channel: string, frame: string) => void;

/**
 * The sink of a session another member holds: a stanza is serialised once and published to
 * that member's inbox channel, which delivers it to the connection. Everything goes through
 * one Redis connection, so stanzas to one session keep their order.
 */
export class RemoteSink implements StanzaSink {
  /** Not replicated: a client's address stays on the node it connected to. */
  readonly remoteAddress = '';
  readonly remote = true;
  /** Set when the member is known dead: nothing is sent to a channel nobody reads. */
  gone = false;

  constructor(
    private readonly publish: Publish,
    private readonly inbox: string,
    private readonly sessionId: string,
    private readonly jid: string,
    readonly transportKind: StanzaSink['transportKind'],
    readonly batch?: StanzaBatch,
  ) {}

  send(stanza: Element): void {
    if (!this.gone) this.publish(this.inbox, sendFrame(this.sessionId, this.jid, stanza.toString()));
  }

  close(error?: StreamError): void {
    if (!this.gone) this.publish(this.inbox, closeFrame(this.sessionId, this.jid, error?.condition ?? null));
  }
}
