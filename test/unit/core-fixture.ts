/** A core without listeners for unit tests of the router and the host handler chain. */
import { pino } from 'pino';
import type { Element } from '../../server/xml/element.js';
import { HostRegistry } from '../../server/core/hosts.js';
import { Router } from '../../server/core/router.js';
import type { StanzaSink } from '../../server/core/session.js';
import { SessionRegistry } from '../../server/core/sessions.js';
import type { Host } from '../../server/core/host.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';

/** A session's stream as the router sees it: where its stanzas are written. */
export class RecordingSink implements StanzaSink {
  readonly sent: Element[] = [];
  readonly remoteAddress = '192.0.2.1';
  readonly transportKind = 'tcp';
  send(stanza: Element): void {
    this.sent.push(stanza);
  }
  close(): void {}
}

/** One account host, example.org, with a router over an empty session registry. */
export function newCore(): { host: Host; sessions: SessionRegistry; router: Router } {
  const hosts = new HostRegistry();
  const host = hosts.add('example.org', 'account', createMemoryStorage());
  const sessions = new SessionRegistry();
  return { host, sessions, router: new Router(hosts, sessions, pino({ level: 'silent' })) };
}
