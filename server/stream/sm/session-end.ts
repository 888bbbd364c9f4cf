import type { Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import type { Session } from '../../core/session.js';
import type { StreamContext } from '../context.js';
import type { StreamManagement } from './stream-management.js';

/**
 * A session ends for good: it leaves the registry, features hear 'session-closed' (rooms see
 * the occupant leave, contacts get unavailable presence), and with stream management what
 * the client never acknowledged is answered as undelivered (XEP-0198 §5 end: the server
 * treats unacknowledged stanzas as not delivered). There is no offline storage to hand them
 * to, so a person's message comes back to its sender, and so does a request that would
 * otherwise wait for an answer that never comes.
 */
export function endSession(server: StreamContext, session: Session, sm: StreamManagement | null): void {
  if (session.closed) return;
  session.closed = true;
  server.sessions.remove(session);
  if (sm?.resumption) server.resumableSessions.forget(sm.resumption.id);
  server.events.emit('session-closed', session);
  if (sm) for (const stanza of sm.unacknowledged()) bounceUndelivered(server, stanza);
}

function bounceUndelivered(server: StreamContext, stanza: Element): void {
  const type = stanza.attrs.type;
  if (stanza.name === 'message' && (type === undefined || type === 'normal' || type === 'chat')) {
    server.router.bounce(stanza, new StanzaError('cancel', 'recipient-unavailable', 'the recipient did not acknowledge this message before its session ended'));
  } else if (stanza.name === 'iq' && (type === 'get' || type === 'set')) {
    server.router.bounce(stanza, new StanzaError('cancel', 'service-unavailable'));
  }
}
