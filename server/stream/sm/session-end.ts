import type { Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import type { Session } from '../../core/session.js';
import { OFFLINE_STORAGE } from '../../core/offline-storage.js';
import type { StreamContext } from '../context.js';
import type { StreamManagement } from './stream-management.js';

/**
 * A session ends for good: it leaves the registry, features hear 'session-closed' (rooms see
 * the occupant leave, contacts get unavailable presence), and with stream management what
 * the client never acknowledged is answered as undelivered (XEP-0198 §5 end: the server
 * treats unacknowledged stanzas as not delivered, and RFC 6121 delivery rules apply again).
 * A person's message to an account holder left with no session goes to offline storage
 * (the account host's OFFLINE_STORAGE, which applies its own cap and never keeps a guest's
 * words) and reaches them at their next sign-in; any other such message comes back to its
 * sender, and so does a request that would otherwise wait for an answer that never comes.
 */
export function endSession(server: StreamContext, session: Session, sm: StreamManagement | null): void {
  if (session.closed) return;
  session.closed = true;
  server.sessions.remove(session);
  if (sm?.resumption) server.resumableSessions.forget(sm.resumption.id);
  server.events.emit('session-closed', session);
  if (sm) for (const stanza of sm.unacknowledged()) answerUndelivered(server, session, stanza);
}

function answerUndelivered(server: StreamContext, session: Session, stanza: Element): void {
  const type = stanza.attrs.type;
  if (stanza.name === 'message' && (type === undefined || type === 'normal' || type === 'chat')) {
    if (keptOffline(server, session, stanza)) return;
    server.router.bounce(stanza, new StanzaError('cancel', 'recipient-unavailable', 'the recipient did not acknowledge this message before its session ended'));
  } else if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
    server.router.bounce(stanza, new StanzaError('cancel', 'service-unavailable'));
  }
}

/** With another session still signed in the message is not held back from it: it bounces, as before. */
function keptOffline(server: StreamContext, session: Session, stanza: Element): boolean {
  if (server.sessions.of(session.bare).length > 0) return false;
  return server.services.find(OFFLINE_STORAGE, session.host)?.keep(session.bare, stanza) ?? false;
}
