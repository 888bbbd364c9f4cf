import { xml, type Element } from '../xml/element.js';
import { StanzaError, errorReply } from '../xml/errors.js';
import { StanzaTemplate } from '../xml/stanza-template.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import type { Logger } from '../log.js';
import { NO_REPLY, type IqHandler, type StanzaContext, type Target } from './host.js';
import type { HostRegistry } from './hosts.js';
import type { Session, StanzaBatch } from './session.js';
import type { SessionRegistry } from './sessions.js';

/** What a route guard returns to discard a stanza without an answer. */
export const DROP_STANZA = Symbol('drop the stanza');

/**
 * Runs on every routed stanza before its host sees it (blocking, XEP-0191): undefined lets it
 * through, DROP_STANZA discards it, a StanzaError bounces it to its sender.
 */
export type RouteGuard = (ctx: StanzaContext) => StanzaError | typeof DROP_STANZA | undefined;

/**
 * Routes stanzas between sessions, hosts and components. Features hook into hosts; the
 * router only finds the host and the target kind and runs that host's handlers.
 */
export class Router {
  private readonly guards: RouteGuard[] = [];

  constructor(
    private readonly hosts: HostRegistry,
    private readonly sessions: SessionRegistry,
    private readonly log: Logger,
  ) {}

  /** Adds a guard; the function returned removes it (a module's cleanup). */
  addGuard(guard: RouteGuard): () => void {
    this.guards.push(guard);
    return () => {
      const index = this.guards.indexOf(guard);
      if (index >= 0) this.guards.splice(index, 1);
    };
  }

  /**
   * Routes a stanza whose 'from' is set and trustworthy (stamped by the stream, or set by a
   * local component). origin is the client session it came from, if any.
   */
  route(stanza: Element, origin: Session | null = null): void {
    const from = tryParseJid(stanza.attrs.from);
    if (!from) {
      this.log.warn({ stanza: stanza.name }, 'dropping a stanza without a valid from');
      return;
    }
    let to: Jid;
    if (stanza.attrs.to === undefined) {
      to = from.bare();
    } else {
      const parsed = tryParseJid(stanza.attrs.to);
      if (!parsed) {
        this.bounce(stanza, new StanzaError('modify', 'jid-malformed', 'the recipient address is not a valid JID'), origin);
        return;
      }
      to = parsed;
    }
    const host = this.hosts.get(to.domain);
    if (!host) {
      this.bounce(stanza, new StanzaError('cancel', 'remote-server-not-found', 'this server does not connect to other servers'), origin);
      return;
    }
    const target: Target = to.isDomain ? 'host' : to.isBare ? 'bare' : 'full';
    const ctx: StanzaContext = { stanza, from, to, origin, host };
    if (this.guards.length > 0 && this.stoppedByGuard(ctx)) return;
    // On a cluster, a room served by another node gets its stanzas there.
    if (host.divert?.(ctx, target)) return;
    if (stanza.name === 'iq') {
      this.routeIq(ctx, target);
    } else if (stanza.name === 'message' || stanza.name === 'presence') {
      if (!this.dispatch(stanza.name, target, ctx)) this.unhandled(ctx);
    }
  }

  /**
   * Runs a host's handler chain. A handler that throws is a bug in one feature: the sender
   * gets internal-server-error (RFC 6120 §8.3.3.5) and the error is logged, instead of the
   * exception unwinding into the transport that delivered the stanza and ending the process.
   */
  private dispatch(kind: 'message' | 'presence' | 'iq', target: Target, ctx: StanzaContext): boolean {
    try {
      return ctx.host.dispatch(kind, target, ctx);
    } catch (error) {
      this.log.error({ err: error, stanza: kind, target }, 'stanza handler failed');
      this.bounceSafely(ctx.stanza, new StanzaError('wait', 'internal-server-error'), ctx.origin);
      return true;
    }
  }

  /** True when a guard dropped or bounced the stanza; a guard that throws is treated like a failing handler. */
  private stoppedByGuard(ctx: StanzaContext): boolean {
    for (const guard of this.guards) {
      let verdict: ReturnType<RouteGuard>;
      try {
        verdict = guard(ctx);
      } catch (error) {
        this.log.error({ err: error, stanza: ctx.stanza.name }, 'route guard failed');
        this.bounceSafely(ctx.stanza, new StanzaError('wait', 'internal-server-error'), ctx.origin);
        return true;
      }
      if (verdict === undefined) continue;
      if (verdict !== DROP_STANZA) this.bounceSafely(ctx.stanza, verdict, ctx.origin);
      return true;
    }
    return false;
  }

  /** bounce() routes the error back, which may reach the failing handler again: never let that throw. */
  private bounceSafely(stanza: Element, error: StanzaError, origin: Session | null): void {
    try {
      this.bounce(stanza, error, origin);
    } catch (again) {
      this.log.error({ err: again }, 'could not send an error reply');
    }
  }

  /**
   * The one place where a stanza leaves for client sessions by address (a cluster transport
   * extends it to sessions on other nodes), with RFC 6121 §8.5 local delivery:
   * - to a full JID: that resource, if it is bound;
   * - a message to a bare JID: every available resource with a non-negative priority (§8.5.2.1.1);
   * - a presence to a bare JID: every available resource (§8.5.2.1.2);
   * - an iq to a bare JID: nobody (the server answers on the user's behalf, §8.5.2.1.3).
   * Returns how many sessions it went to. What an undeliverable stanza means (an error, a
   * fallback to the bare JID, holding it) is the calling feature's rule, not the router's.
   */
  deliverTo(to: Jid, stanza: Element): number {
    if (to.resource !== null) {
      const session = this.sessions.get(to);
      if (!session) return 0;
      session.send(stanza);
      return 1;
    }
    const recipients = stanza.name === 'message' ? this.sessions.messageRecipients(to)
      : stanza.name === 'presence' ? this.sessions.available(to)
        : [];
    for (const session of recipients) session.send(stanza);
    return recipients.length;
  }

  /**
   * The same stanza to many full JIDs (a room's broadcast), each copy addressed to its
   * recipient: serialised once; the sessions another cluster node holds get one frame for all
   * of that node's recipients instead of one per recipient. Returns how many it went to.
   */
  deliverToEach(stanza: Element, recipients: Iterable<Jid>): number {
    let template: StanzaTemplate | undefined;
    const batches = new Map<StanzaBatch, string[]>();
    let count = 0;
    for (const to of recipients) {
      const session = to.resource === null ? undefined : this.sessions.get(to);
      if (!session) continue;
      count += 1;
      const batch = session.batch;
      if (batch) {
        const group = batches.get(batch);
        if (group) group.push(to.toString());
        else batches.set(batch, [to.toString()]);
        continue;
      }
      template ??= new StanzaTemplate(stanza);
      session.send(template.copyFor(to.toString()));
    }
    for (const [batch, jids] of batches) {
      template ??= new StanzaTemplate(stanza);
      batch.sendEach(template.withoutTo, jids);
    }
    return count;
  }

  /**
   * Answers the client session a stanza came from (an iq result, an error), or routes the
   * answer by its 'to' when it came from no client (a component, the server).
   */
  reply(origin: Session | null, stanza: Element): void {
    if (stanza.attrs.from === undefined) delete stanza.attrs.from;
    if (origin) origin.send(stanza);
    else this.route(stanza);
  }

  /** Sends an error reply for a stanza, unless it is itself an error (no error loops). */
  bounce(stanza: Element, error: StanzaError, origin: Session | null = null): void {
    if (stanza.attrs.type === 'error') return;
    if (stanza.name === 'presence' && error.condition !== 'remote-server-not-found' && error.condition !== 'jid-malformed') return;
    const reply = errorReply(stanza, error);
    if (!origin && (!reply.attrs.from || !reply.attrs.to)) return;
    this.reply(origin, reply);
  }

  private routeIq(ctx: StanzaContext, target: Target): void {
    const { stanza, host } = ctx;
    const type = stanza.attrs.type;
    if (type === 'get' || type === 'set') {
      const payload = stanza.getChildElements()[0];
      const handler = payload && host.iqHandler(type, target, payload.getNS() ?? '', payload.getName());
      if (payload && handler) {
        this.runIqHandler(ctx, payload, handler);
        return;
      }
      if (this.dispatch('iq', target, ctx)) return;
      this.bounce(stanza, new StanzaError('cancel', 'service-unavailable'), ctx.origin);
      return;
    }
    // Results and errors: handed to the host's chain (e.g. delivery to a full JID); else dropped.
    this.dispatch('iq', target, ctx);
  }

  private runIqHandler(ctx: StanzaContext, payload: Element, handler: IqHandler): void {
    let outcome: ReturnType<IqHandler>;
    try {
      outcome = handler(ctx, payload);
    } catch (error) {
      this.answerIqError(ctx, error);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then((result) => this.answerIq(ctx, result), (error) => this.answerIqError(ctx, error))
        // Sending the answer can fail too; nothing else awaits this promise.
        .catch((error: unknown) => this.log.error({ err: error }, 'could not answer an iq'));
    } else {
      this.answerIq(ctx, outcome);
    }
  }

  private answerIq(ctx: StanzaContext, result: Element | null | void | typeof NO_REPLY): void {
    if (result === NO_REPLY) return;
    const reply = xml('iq', { type: 'result', id: ctx.stanza.attrs.id, from: ctx.stanza.attrs.to, to: ctx.from.toString() }, result ?? undefined);
    this.reply(ctx.origin, reply);
  }

  private answerIqError(ctx: StanzaContext, error: unknown): void {
    const stanzaError = error instanceof StanzaError ? error : new StanzaError('wait', 'internal-server-error');
    if (!(error instanceof StanzaError)) this.log.error({ err: error }, 'iq handler failed');
    const reply = errorReply(ctx.stanza, stanzaError);
    reply.attrs.to = ctx.from.toString();
    this.reply(ctx.origin, reply);
  }

  private unhandled(ctx: StanzaContext): void {
    if (ctx.stanza.name === 'message') {
      this.bounce(ctx.stanza, new StanzaError('cancel', 'service-unavailable'), ctx.origin);
    }
  }
}
