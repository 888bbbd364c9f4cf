import type { Element } from '../../xml/element.js';
import type { Config } from '../../config/types.js';
import type { Host } from '../../core/host.js';
import type { Session, StanzaSink } from '../../core/session.js';
import type { StreamContext } from '../context.js';
import { DetachedSink } from './detached-sink.js';
import { enabled, failed, handledCountTooHigh, resumed } from './elements.js';
import type { SessionHolder } from './resumable-sessions.js';
import { endSession } from './session-end.js';
import { StreamManagement, type SmLink } from './stream-management.js';
import { parseCount, type QueueLimits } from './unacked-queue.js';

/** The client connection as stream management sees it. */
export type SmConnection = StanzaSink & SmLink & SessionHolder;

/** Unacknowledged stanzas a session may have before it is cut off ([limits].max_outgoing_buffer caps the bytes). */
const MAX_UNACKNOWLEDGED = 1000;

function queueLimits(config: Config): QueueLimits {
  return { stanzas: MAX_UNACKNOWLEDGED, bytes: config.limits.max_outgoing_buffer };
}

/** [limits].resume_timeout for accounts, guest_resume_timeout for guests; 0 = no resumption. */
function resumeTimeout(config: Config, session: Session): number {
  return session.isGuest ? config.limits.guest_resume_timeout : config.limits.resume_timeout;
}

/**
 * <enable/> on a bound stream (XEP-0198 §3): acks from now on, and resumption when the
 * client asks for it and the server allows it, for at most the client's 'max' seconds.
 */
export function enableStreamManagement(server: StreamContext, session: Session, element: Element, connection: SmConnection): StreamManagement {
  const wantsResumption = element.attrs.resume === 'true' || element.attrs.resume === '1';
  const clientMax = parseCount(element.attrs.max);
  const timeout = Math.min(resumeTimeout(server.config, session), clientMax ? clientMax * 1000 : Infinity);
  const resumption = wantsResumption && timeout > 0
    ? { id: server.resumableSessions.newId(), host: session.host.name, username: session.isGuest ? null : session.jid.local, timeout }
    : null;
  const sm = new StreamManagement(resumption, queueLimits(server.config), connection);
  if (resumption) server.resumableSessions.register(resumption.id, session, sm, connection);
  connection.write(enabled(resumption?.id ?? null, Math.ceil(timeout / 1000)));
  return sm;
}

/**
 * The connection is gone without a goodbye: the session stays bound, present in its rooms,
 * stanzas for it queued, until its client resumes or the resumption time runs out.
 */
export function detachSession(server: StreamContext, session: Session, sm: StreamManagement): void {
  const end = (): void => endSession(server, session, sm);
  sm.detach(end);
  session.moveTo(new DetachedSink(sm, session.remoteAddress, session.transportKind, end));
  server.resumableSessions.detach(sm.resumption!.id, sm.resumption!.timeout, end);
  server.log.debug({ transport: session.transportKind }, 'session detached, waiting for resumption');
}

/**
 * <resume/> after authentication (XEP-0198 §5): the session the id names, if it is this
 * user's (an account's: the same username; a guest's: the same guest host, the unguessable
 * id being the proof), moves to this connection; the connection that held it, if still
 * open, is closed with <conflict/>. Null (and <failed/> written) otherwise.
 */
export function resumeSession(
  server: StreamContext, element: Element, host: Host, username: string, connection: SmConnection,
): { session: Session; sm: StreamManagement } | null {
  const previd = element.attrs.previd;
  const h = parseCount(element.attrs.h);
  if (!previd || h === null) {
    connection.write(failed('bad-request'));
    return null;
  }
  const outcome = server.resumableSessions.take(previd, (session, sm) => session.host === host
    && (sm.resumption?.username === null ? host.kind === 'anonymous' : sm.resumption?.username === username), connection);
  if (outcome.kind === 'unknown') {
    connection.write(failed('item-not-found'));
    return null;
  }
  const { session, sm } = outcome;
  if (!sm.resume(connection, h, resumed(previd, sm.handledCount))) {
    // The client claims stanzas that were never sent: its state and ours disagree.
    const answer = failed('undefined-condition', sm.handledCount, handledCountTooHigh(h, sm.sentCount));
    endSession(server, session, sm);
    connection.write(answer);
    return null;
  }
  session.moveTo(connection);
  server.log.debug({ transport: session.transportKind }, 'session resumed');
  return { session, sm };
}
