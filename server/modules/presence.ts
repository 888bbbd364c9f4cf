import { StanzaError, errorReply } from '../xml/errors.js';
import { clone } from '../xml/element.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { isSubscriptionType, receiveSubscription, sendSubscription } from './presence/subscription.js';
import { answerProbe, broadcastAvailable, broadcastUnavailable, deliverToAvailable, trackDirected } from './presence/outgoing.js';
import { HELD_MESSAGES, HeldMessages } from './presence/held-messages.js';

/**
 * RFC 6121 presence for the users of client hosts (accounts and guests alike): broadcasts,
 * directed presence, probes and subscriptions. Only client hosts get these handlers, so
 * presence to a MUC room goes to the MUC host untouched; directed presence is still seen
 * as it leaves the client ('stanza-from-client'), so rooms hear when a client vanishes.
 * Chat messages to a user who is connected but not yet available wait for their initial
 * presence (presence/held-messages.ts).
 */
export default defineModule({
  name: 'presence',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    server.services.provide(HELD_MESSAGES, new HeldMessages(server));
  },
  load(host, server) {
    const held = server.services.get(HELD_MESSAGES);
    host.on('presence', 'bare', (ctx) => toBare(server, ctx));
    host.on('presence', 'full', (ctx) => toFull(server, ctx));
    // Presence to the server itself (a subscription to the domain, a probe): nothing to do.
    host.on('presence', 'host', () => true);
    host.on('message', 'bare', (ctx) => held.hold(ctx), 1);

    server.events.on('stanza-from-client', (session, stanza) => {
      if (session.host === host) trackDirected(server, session, stanza);
    });
    server.events.on('session-closed', (session) => {
      if (session.host === host) broadcastUnavailable(server, session, null);
    });
  },
});

function toBare(server: ServerContext, ctx: StanzaContext): true {
  const { stanza, origin } = ctx;
  const type = stanza.attrs.type;
  if (stanza.attrs.to === undefined) {
    // Broadcast presence: the router addressed it to the sender's own bare JID.
    if (!origin || !origin.bare.equals(ctx.to)) return true;
    if (type === undefined) broadcastAvailable(server, origin, stanza);
    else if (type === 'unavailable') broadcastUnavailable(server, origin, stanza);
    else if (type !== 'error') server.router.reply(origin, errorReply(stanza, new StanzaError('modify', 'bad-request', `presence of type ${type} needs a 'to'`)));
    return true;
  }
  return addressedToUser(server, ctx);
}

function toFull(server: ServerContext, ctx: StanzaContext): true {
  const type = ctx.stanza.attrs.type;
  if (type === undefined || type === 'unavailable' || type === 'error') {
    // RFC 6121 §8.5.3: to a connected resource, or nowhere.
    server.router.deliverTo(ctx.to, ctx.stanza);
    return true;
  }
  // Subscriptions and probes are about accounts, not resources (RFC 6121 §3.1.3, §4.3.2).
  return addressedToUser(server, ctx);
}

function addressedToUser(server: ServerContext, ctx: StanzaContext): true {
  const { stanza, origin } = ctx;
  const type = stanza.attrs.type;
  const user = ctx.to.bare();
  if (isSubscriptionType(type)) {
    if (origin) {
      sendSubscription(server, origin, user, stanza, type);
    } else {
      const stamped = clone(stanza);
      stamped.attrs.from = ctx.from.bare().toString();
      stamped.attrs.to = user.toString();
      receiveSubscription(server, user, ctx.from.bare(), stamped, type);
    }
  } else if (type === 'probe') {
    answerProbe(server, user, ctx.from);
  } else {
    deliverToAvailable(server, user, stanza);
  }
  return true;
}
