/** What the calls tests (one node and a cluster) send and look for: XEP-0215, XEP-0353, Jingle. */
import { iq, xml, type Stanza, type User } from './muc-helpers.js';

export const EXTDISCO = 'urn:xmpp:extdisco:2';
export const JMI = 'urn:xmpp:jingle-message:0';
export const JINGLE = 'urn:xmpp:jingle:1';

/** Online (call invitations to a bare JID reach available resources, RFC 6121 §8.5.2.1.1). */
export async function goOnline(user: User): Promise<User> {
  await user.client.send(xml('presence'));
  await user.inbox.next((stanza) => stanza.is('presence') && stanza.attrs.from === user.jid);
  return user;
}

/** The XEP-0215 services a user's domain offers it. */
export async function services(user: User, domain: string): Promise<Stanza[]> {
  const result = await iq(user, 'get', domain, xml('services', { xmlns: EXTDISCO }));
  return result.getChild('services', EXTDISCO).getChildren('service');
}

/** The error condition an iq came back with, or 'result'. */
export async function iqOutcome(user: User, type: 'get' | 'set', to: string, payload: Stanza): Promise<string> {
  try {
    await iq(user, type, to, payload);
    return 'result';
  } catch (error) {
    if (error instanceof Error && 'condition' in error) return String(error.condition);
    throw error;
  }
}

export function propose(to: string, id: string): Stanza {
  return xml('message', { to, type: 'chat', id: `m-${id}` },
    xml('propose', { xmlns: JMI, id }, xml('description', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' })),
    xml('store', { xmlns: 'urn:xmpp:hints' }));
}

export const proposal = (id: string) => (stanza: Stanza): boolean => stanza.is('message') && stanza.getChild('propose', JMI)?.attrs.id === id;
export const errorFor = (id: string) => (stanza: Stanza): boolean => stanza.is('message') && stanza.attrs.type === 'error' && stanza.attrs.id === `m-${id}`;
