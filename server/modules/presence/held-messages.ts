import { clone, xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import type { StanzaContext } from '../../core/host.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { serviceKey } from '../../core/services.js';

/** Provided by the presence module: chat messages waiting for their recipient's initial presence. */
export const HELD_MESSAGES = serviceKey<HeldMessages>('held messages');

/** Messages and bytes held per user; past either, further ones bounce as they would without holding. */
const MAX_HELD_PER_USER = 100;
const MAX_HELD_BYTES_PER_USER = 256 * 1024;

interface Held { stanza: Element; at: number; bytes: number }

/**
 * A client signs in, binds, fetches its roster, and only then sends initial presence. A chat
 * message to the bare JID in that window has no available resource to go to (RFC 6121
 * §8.5.2.2), yet its recipient is right there. Such messages wait, in memory, for the first
 * resource that becomes available with a non-negative priority, and reach it with a delay
 * stamp (XEP-0203), as offline messages would. If the user's last session ends first, they
 * bounce (service-unavailable), which is what delivery does without holding. Users with no
 * session at all are not held for here: an account's messages are then offline messages (offline.ts).
 */
export class HeldMessages {
  private readonly held = new Map<string, Held[]>();
  private readonly earlier: ((session: Session) => void)[] = [];
  private readonly keepers: ((user: string, stanza: Element) => boolean)[] = [];

  constructor(private readonly server: ServerContext) {
    server.events.on('session-closed', (session) => {
      if (!server.sessions.isOnline(session.bare)) this.bounceAll(session.bare.toString());
    });
  }

  /** message/bare handler, just before the default delivery: true when the message was held. */
  hold(ctx: StanzaContext): boolean {
    const type = ctx.stanza.attrs.type ?? 'normal';
    // Only what a person wrote: chat states and receipts are stale by the time they would arrive.
    if ((type !== 'chat' && type !== 'normal') || !ctx.stanza.getChild('body')) return false;
    const sessions = this.server.sessions.of(ctx.to);
    if (sessions.length === 0 || this.server.sessions.messageRecipients(ctx.to).length > 0) return false;
    // On a cluster, only this node's sessions flush or bounce what waits here.
    if (sessions.every((session) => session.isRemote)) return false;
    const key = ctx.to.toString();
    const queue = this.held.get(key) ?? [];
    const bytes = Buffer.byteLength(ctx.stanza.toString());
    const heldBytes = queue.reduce((sum, held) => sum + held.bytes, 0);
    if (queue.length >= MAX_HELD_PER_USER || heldBytes + bytes > MAX_HELD_BYTES_PER_USER) return false;
    queue.push({ stanza: ctx.stanza, at: this.server.now(), bytes });
    this.held.set(key, queue);
    return true;
  }

  /**
   * `deliver` sends the session what was kept for it before anything held here (offline
   * messages, which are older), each time a session becomes available with priority >= 0.
   */
  deliverEarlier(deliver: (session: Session) => void): void {
    this.earlier.push(deliver);
  }

  /**
   * What waited for a user whose last session ended goes to `keep` (offline storage) instead
   * of bouncing; a message it refuses (returns false) bounces.
   */
  keepWhenGone(keep: (user: string, stanza: Element) => boolean): void {
    this.keepers.push(keep);
  }

  /** The session became available with priority >= 0: it gets what waited, oldest first. */
  flush(session: Session): void {
    for (const deliver of this.earlier) deliver(session);
    const key = session.bare.toString();
    const queue = this.held.get(key);
    if (!queue) return;
    this.held.delete(key);
    for (const { stanza, at } of queue) {
      const copy = clone(stanza);
      copy.cnode(xml('delay', { xmlns: NS.delay, from: session.host.name, stamp: new Date(at).toISOString() }));
      this.server.router.deliverTo(session.jid, copy);
    }
  }

  private bounceAll(key: string): void {
    const queue = this.held.get(key);
    if (!queue) return;
    this.held.delete(key);
    for (const { stanza } of queue) {
      if (this.keepers.some((keep) => keep(key, stanza))) continue;
      this.server.router.bounce(stanza, new StanzaError('cancel', 'service-unavailable'));
    }
  }
}
