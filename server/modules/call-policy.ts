import { TokenBucket } from 'limiter';
import type { Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import { serviceKey } from '../core/services.js';
import type { Session } from '../core/session.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { MUC } from '../muc/service.js';

/**
 * Who may call whom: the one place that decides it, for XEP-0353 call messages (propose,
 * ringing, proceed, accept, reject, retract, finish) and Jingle iqs (XEP-0166).
 *
 * - A call with a guest at either end needs a room both are in (on any MUC domain here): a
 *   guest reaches only people they met, and nobody rings a guest they have not met. Anything
 *   else is refused with `forbidden`, whether or not the recipient exists or is online.
 * - Calls through a room (to room@muc/nick) are the MUC's private messages and iqs: the sender
 *   must be an occupant and the room's private-message setting applies; the room forwards
 *   them from the caller's room JID, so nobody learns a real JID.
 * - Invitations (a `propose`, or a Jingle `session-initiate` sent without one) are counted
 *   per user, [calls].invitations_per_minute at once and then so many a minute; over it the
 *   invitation is refused with `wait` / `policy-violation`.
 * Everything allowed is routed like any message (carbons copy the chat-typed call messages
 * to the caller's and callee's other resources) or iq.
 */

/** Users whose buckets are kept past their last session; beyond, rested buckets go first. */
const MAX_RESTED_USERS = 10_000;

const CALL_POLICY = serviceKey<InvitationLimits>('call policy');

export default defineModule({
  name: 'call-policy',
  hostKinds: ['account', 'anonymous', 'muc'],
  setup(server) {
    const limits = new InvitationLimits(server.config.calls.invitations_per_minute);
    server.services.provide(CALL_POLICY, limits);
    server.events.on('session-closed', (session) => {
      // A guest's JID never comes back: its bucket goes with it.
      if (session.isGuest && !session.isRemote) limits.forget(session.bare.toString());
    });
  },
  load(host, server) {
    const limits = server.services.get(CALL_POLICY);
    const check = (ctx: StanzaContext): boolean => {
      const refusal = refusalOf(server, limits, ctx, host.kind !== 'muc');
      if (!refusal) return false;
      server.router.bounce(ctx.stanza, refusal, ctx.origin);
      return true;
    };
    // Before every other handler (carbons, delivery, the MUC's forwarding): a refused call goes nowhere.
    const FIRST = 100;
    host.on('message', 'full', check, FIRST);
    host.on('message', 'bare', check, FIRST);
    host.on('iq', 'full', check, FIRST);
  },
});

/** What the stanza is in a call, if it is part of one. */
function callPart(stanza: Element): 'invitation' | 'signal' | null {
  // An error may quote the call message it answers; it is no call of its own.
  if (stanza.name === 'message' && stanza.attrs.type !== 'error') {
    const jmi = stanza.getChildElements().find((child) => child.getNS() === NS.jingleMessage);
    if (!jmi) return null;
    return jmi.name === 'propose' ? 'invitation' : 'signal';
  }
  if (stanza.name === 'iq' && stanza.attrs.type === 'set') {
    const jingle = stanza.getChild('jingle', NS.jingle);
    if (!jingle) return null;
    return jingle.attrs.action === 'session-initiate' ? 'invitation' : 'signal';
  }
  return null;
}

/** The error for a call stanza this sender may not send, or null. `direct`: to a user, not through a room. */
function refusalOf(server: ServerContext, limits: InvitationLimits, ctx: StanzaContext, direct: boolean): StanzaError | null {
  const sender = ctx.origin;
  // What the server or a room sends on someone's behalf was checked where it came in.
  if (!sender) return null;
  const part = callPart(ctx.stanza);
  if (!part) return null;
  if (direct && involvesGuest(server, sender, ctx.to) && !shareARoom(server, sender, ctx.to)) {
    return new StanzaError('cancel', 'forbidden', 'guests can call only people in a room they share');
  }
  if (part === 'invitation' && !limits.take(sender.bare.toString())) {
    return new StanzaError('wait', 'policy-violation', 'too many call invitations; wait a minute');
  }
  return null;
}

function involvesGuest(server: ServerContext, sender: Session, to: Jid): boolean {
  return sender.isGuest || server.hosts.get(to.domain)?.kind === 'anonymous';
}

/** Whether the recipient (any resource of that bare JID) is an occupant of a room the sender's session is in. */
function shareARoom(server: ServerContext, sender: Session, to: Jid): boolean {
  const recipient = to.bare().toString();
  for (const host of server.hosts.all()) {
    if (host.kind !== 'muc') continue;
    for (const room of server.services.get(MUC, host).roomsOf(sender)) {
      if (room.occupantsOf(recipient).length > 0) return true;
    }
  }
  return false;
}

/** A token bucket of call invitations per user (bare JID), kept on the node of the user's session. */
class InvitationLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly perMinute: number) {}

  take(user: string): boolean {
    let bucket = this.buckets.get(user);
    if (!bucket) {
      if (this.buckets.size >= MAX_RESTED_USERS) this.forgetRested();
      bucket = new TokenBucket({ bucketSize: this.perMinute, tokensPerInterval: this.perMinute, interval: 'minute' });
      // The library starts a bucket empty; a newcomer gets the whole minute's worth.
      bucket.content = this.perMinute;
      this.buckets.set(user, bucket);
    }
    return bucket.tryRemoveTokens(1);
  }

  forget(user: string): void {
    this.buckets.delete(user);
  }

  /** Drops the buckets that have filled up again (a new one would be the same). */
  private forgetRested(): void {
    for (const [user, bucket] of this.buckets) {
      if (bucket.content >= this.perMinute) this.buckets.delete(user);
    }
  }
}
