import type { Element } from '../../xml/element.js';
import type { StanzaSink } from '../../core/session.js';
import type { StreamManagement } from './stream-management.js';

/**
 * A resumable session's sink while its client is away: stanzas join the unacknowledged
 * queue, to be sent when it resumes (a full queue ends the session: StreamManagement). A
 * close (a new bind of the same resource, an admin ending the session) ends it at once.
 */
export class DetachedSink implements StanzaSink {
  constructor(
    private readonly sm: StreamManagement,
    readonly remoteAddress: string,
    readonly transportKind: StanzaSink['transportKind'],
    private readonly end: () => void,
  ) {}

  send(stanza: Element): void {
    this.sm.track(stanza);
  }

  close(): void {
    this.end();
  }
}
