/** Keeping a message for an offline account, and handing what was kept to its next available session. */
import { parse } from 'ltx';
import { clone, xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import type { Jid } from '../../jid/jid.js';
import { randomId } from '../../util/random-ids.js';

/**
 * Keeps the message for `owner` (a bare JID); false when the owner holds `cap` already.
 * `timestamp` is when it first came (default now), the stamp of the <delay/> it will carry.
 */
export function holdOffline(server: ServerContext, owner: string, stanza: Element, cap: number, timestamp = server.now()): boolean {
  return server.storage.offline.add(owner, { id: randomId(12), stanza: stanza.toString(), timestamp }, cap);
}

export function isAccount(server: ServerContext, jid: Jid): boolean {
  return jid.local !== null && server.storage.accounts.exists(jid.local, jid.domain);
}

/** Whether offline storage would take one more message for `owner` (on, an account, under its cap). */
export function offlineHasRoom(server: ServerContext, owner: Jid): boolean {
  const cap = server.config.limits.offline_messages;
  return cap > 0 && isAccount(server, owner) && server.storage.offline.count(owner.toString()) < cap;
}

/**
 * A message that reached a session once (kept offline or held, then delivered with our
 * <delay from=host/>) and is kept again: a copy without that delay, and the time it first
 * came, so that it is delivered with one delay and its original stamp (never one in the future).
 */
export function withoutOwnDelay(server: ServerContext, host: string, stanza: Element): { stanza: Element; timestamp: number } {
  const copy = clone(stanza);
  let timestamp = server.now();
  for (const delay of copy.getChildren('delay', NS.delay).filter((child) => child.attrs.from === host)) {
    const stamp = Date.parse(String(delay.attrs.stamp));
    if (!Number.isNaN(stamp)) timestamp = Math.min(timestamp, stamp);
    copy.remove(delay);
  }
  return { stanza: copy, timestamp };
}

/** Sends the session everything kept for its account, oldest first, each stamped with when it came. */
export function deliverOffline(server: ServerContext, session: Session): void {
  const kept = server.storage.offline.take(session.bare.toString());
  for (const message of kept) {
    const stanza = parse(message.stanza);
    stanza.cnode(xml('delay', { xmlns: NS.delay, from: session.host.name, stamp: new Date(message.timestamp).toISOString() }));
    server.router.deliverTo(session.jid, stanza);
  }
}
