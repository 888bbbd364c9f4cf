/** The stanzas of a MAM answer (XEP-0313 §4.2, §4.3): one message per result, then <fin/>. */
import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import type { ArchivedMessage } from '../storage/archive.js';
import type { ArchivePage } from '../storage/archive.js';

/**
 * `<message from=room to=requester><result queryid id><forwarded><delay/><message/></forwarded></result></message>`.
 * The archived message takes an explicit jabber:client namespace: inside <forwarded/> it
 * would otherwise inherit urn:xmpp:forward:0.
 */
export function resultMessage(room: string, to: string, queryId: string | undefined, message: ArchivedMessage): Element {
  const inner = message.stanza;
  inner.attrs.xmlns = NS.client;
  return xml('message', { from: room, to },
    xml('result', { xmlns: NS.mam, queryid: queryId, id: message.id },
      xml('forwarded', { xmlns: NS.forward },
        xml('delay', { xmlns: NS.delay, stamp: stamp(message.timestamp) }),
        inner)));
}

/** The iq result's payload: completeness and the RSM set of the page. */
export function fin(page: ArchivePage): Element {
  const first = page.messages[0];
  const last = page.messages[page.messages.length - 1];
  return xml('fin', { xmlns: NS.mam, complete: page.complete ? 'true' : 'false' },
    xml('set', { xmlns: NS.rsm },
      first && xml('first', { index: page.firstIndex }, first.id),
      last && xml('last', {}, last.id),
      xml('count', {}, String(page.count))));
}

/** XEP-0082 DateTime in UTC. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString();
}
