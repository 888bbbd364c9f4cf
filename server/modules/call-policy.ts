import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import { serviceKey } from '../core/services.js';
import type { Session } from '../core/session.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { InvitationLimits } from './calls/invitation-limits.js';
import { answerRoomQuestions, othersMayKnow, sharesARoomAnywhere, sharesARoomWith } from './calls/rooms.js';
import { HeldCalls } from './calls/held-calls.js';

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
 * - On a cluster the shared room may be served by another node: when this node cannot say
 *   yes, the stanza waits for the other nodes' answer (calls/rooms.ts), and the sender's
 *   later call stanzas wait behind it, in order; then it is refused, or handled as if it had
 *   just arrived.
 */

const CALL_POLICY = serviceKey<CallPolicyState>('call policy');

interface CallPolicyState {
  limits: InvitationLimits;
  held: HeldCalls;
  /** Stanzas the cluster cleared, handed to the rest of the handlers: the room check is done. */
  cleared: WeakSet<Element>;
}

/** Asked of the cluster: the room check waits for the other nodes. */
const ASK_THE_CLUSTER = Symbol('ask the cluster');

export default defineModule({
  name: 'call-policy',
  hostKinds: ['account', 'anonymous', 'muc'],
  setup(server) {
    const limits = new InvitationLimits(server.config.calls.invitations_per_minute);
    server.services.provide(CALL_POLICY, { limits, held: new HeldCalls(), cleared: new WeakSet() });
    answerRoomQuestions(server);
    server.events.on('session-closed', (session) => {
      // A guest's JID never comes back: its bucket goes with it.
      if (session.isGuest && !session.isRemote) limits.forget(session.bare.toString());
    });
  },
  load(host, server) {
    const state = server.services.get(CALL_POLICY);
    const direct = host.kind !== 'muc';
    const check = (ctx: StanzaContext): boolean => {
      if (state.cleared.has(ctx.stanza)) {
        state.cleared.delete(ctx.stanza);
        return false;
      }
      const sender = ctx.origin;
      const waiting = sender !== null && state.held.holds(sender) && callPart(ctx.stanza) !== null;
      const verdict = waiting ? ASK_THE_CLUSTER : refusalOf(server, state.limits, ctx, direct);
      if (verdict === null) return false;
      if (verdict !== ASK_THE_CLUSTER) {
        server.router.bounce(withoutPayload(ctx.stanza), verdict, ctx.origin);
        return true;
      }
      const held = state.held.hold(sender!, () => decideAcrossCluster(server, state, ctx, direct),
        (error) => server.log.error({ err: error }, 'a held call stanza could not be decided'));
      if (!held) server.router.bounce(withoutPayload(ctx.stanza), new StanzaError('wait', 'resource-constraint', 'too many call stanzas at once'), ctx.origin);
      return true;
    };
    // Before every other handler (carbons, delivery, the MUC's forwarding): a refused call goes nowhere.
    const FIRST = 100;
    host.on('message', 'full', check, FIRST);
    host.on('message', 'bare', check, FIRST);
    host.on('iq', 'full', check, FIRST);
  },
});

/**
 * The stanza's envelope alone, for a refusal that does not quote it (RFC 6120 §8.3.1 leaves
 * that optional): slixmpp's XEP-0353 plugin takes a `propose` inside an error message for an
 * incoming call, so a quoted one would ring the caller as if the callee had called back.
 */
function withoutPayload(stanza: Element): Element {
  return xml(stanza.name, stanza.attrs);
}

/**
 * What the stanza is in a call, if it is part of one. Every XEP-0353 element counts, in a
 * message of any type and wherever among the children: an error message is no excuse (a
 * client may act on the payload of a message whatever its type), and a harmless element first
 * does not hide a `propose` after it.
 */
function callPart(stanza: Element): 'invitation' | 'signal' | null {
  if (stanza.name === 'message') {
    const jmi = stanza.getChildElements().filter((child) => child.getNS() === NS.jingleMessage);
    if (jmi.length === 0) return null;
    return jmi.some((child) => child.name === 'propose') ? 'invitation' : 'signal';
  }
  if (stanza.name === 'iq' && stanza.attrs.type === 'set') {
    const jingle = stanza.getChildren('jingle', NS.jingle);
    if (jingle.length === 0) return null;
    return jingle.some((child) => child.attrs.action === 'session-initiate') ? 'invitation' : 'signal';
  }
  return null;
}

/**
 * The error for a call stanza this sender may not send, null to let it through, or
 * ASK_THE_CLUSTER when only other nodes can tell whether the sender shares a room with the
 * recipient. `direct`: to a user, not through a room. A refused error message is dropped
 * without an answer (the router never answers an error with an error).
 */
function refusalOf(server: ServerContext, limits: InvitationLimits, ctx: StanzaContext, direct: boolean): StanzaError | null | typeof ASK_THE_CLUSTER {
  const sender = ctx.origin;
  // What the server or a room sends on someone's behalf was checked where it came in.
  if (!sender) return null;
  const part = callPart(ctx.stanza);
  if (!part) return null;
  if (direct && involvesGuest(server, sender, ctx.to) && !sharesARoomWith(server, sender, ctx.to.bare().toString())) {
    return othersMayKnow(server) ? ASK_THE_CLUSTER : NO_SHARED_ROOM();
  }
  return invitationRefusal(limits, sender, part);
}

const NO_SHARED_ROOM = (): StanzaError => new StanzaError('cancel', 'forbidden', 'guests can call only people in a room they share');

function invitationRefusal(limits: InvitationLimits, sender: Session, part: 'invitation' | 'signal'): StanzaError | null {
  if (part === 'invitation' && !limits.take(sender.bare.toString())) {
    return new StanzaError('wait', 'policy-violation', 'too many call invitations; wait a minute');
  }
  return null;
}

/**
 * A held call stanza's turn: checked again (the sender may have joined or left a room
 * meanwhile), with the other nodes asked when this one cannot say yes; then refused, or
 * handed to the rest of this host's handlers as the router would have.
 */
async function decideAcrossCluster(server: ServerContext, state: CallPolicyState, ctx: StanzaContext, direct: boolean): Promise<void> {
  const sender = ctx.origin!;
  let verdict = refusalOf(server, state.limits, ctx, direct);
  if (verdict === ASK_THE_CLUSTER) {
    const shares = await sharesARoomAnywhere(server, sender, ctx.to.bare().toString()).catch(() => false);
    verdict = shares ? invitationRefusal(state.limits, sender, callPart(ctx.stanza)!) : NO_SHARED_ROOM();
  }
  if (sender.closed) return;
  if (verdict) {
    server.router.bounce(withoutPayload(ctx.stanza), verdict, sender);
    return;
  }
  state.cleared.add(ctx.stanza);
  const { stanza, host, to } = ctx;
  const kind = stanza.name === 'iq' ? 'iq' : 'message';
  try {
    const handled = host.dispatch(kind, to.resource === null ? 'bare' : 'full', ctx);
    // As the router does with what no handler took (RFC 6120 §8.5 / RFC 6121 §8.5).
    if (!handled && (kind === 'message' || stanza.attrs.type === 'get' || stanza.attrs.type === 'set')) {
      server.router.bounce(stanza, new StanzaError('cancel', 'service-unavailable'), sender);
    }
  } catch (error) {
    server.log.error({ err: error, stanza: kind }, 'stanza handler failed');
    server.router.bounce(stanza, new StanzaError('wait', 'internal-server-error'), sender);
  } finally {
    state.cleared.delete(stanza);
  }
}

function involvesGuest(server: ServerContext, sender: Session, to: Jid): boolean {
  return sender.isGuest || server.hosts.get(to.domain)?.kind === 'anonymous';
}
