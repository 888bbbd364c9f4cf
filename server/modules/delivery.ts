import { StanzaError } from '../xml/errors.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';

/**
 * RFC 6121 §8.5: delivery of messages and iqs addressed to users of a client host, at the
 * lowest priority so that features (carbons, roster, presence) see stanzas first.
 * Webchat guests vanish with their session; a message for an account with no session is
 * kept by the offline module (offline.ts) up to its cap, and past it (or with the cap at 0)
 * gets service-unavailable here, which RFC 6121 §8.5.2.2.1 allows.
 */
export default defineModule({
  name: 'delivery',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    host.on('message', 'full', (ctx) => deliverMessageToFull(server, ctx), 0);
    host.on('message', 'bare', (ctx) => deliverMessageToBare(server, ctx), 0);
    host.on('iq', 'full', (ctx) => deliverIqToFull(server, ctx), 0);
    // Results and errors for the server or a bare JID (roster push acknowledgements, …) end here.
    host.on('iq', 'bare', (ctx) => isResponse(ctx), 0);
    host.on('iq', 'host', (ctx) => isResponse(ctx), 0);
  },
});

function deliverMessageToFull(server: ServerContext, ctx: StanzaContext): boolean {
  if (server.router.deliverTo(ctx.to, ctx.stanza) > 0) return true;
  const type = ctx.stanza.attrs.type ?? 'normal';
  if (type === 'groupchat') {
    server.router.bounce(ctx.stanza, new StanzaError('cancel', 'service-unavailable'), ctx.origin);
    return true;
  }
  if (type === 'headline' || type === 'error') return true;
  return deliverMessageToBare(server, ctx);
}

function deliverMessageToBare(server: ServerContext, ctx: StanzaContext): boolean {
  const type = ctx.stanza.attrs.type ?? 'normal';
  if (type === 'error') return true;
  const delivered = type !== 'groupchat' && server.router.deliverTo(ctx.to.bare(), ctx.stanza) > 0;
  if (!delivered && type !== 'headline') {
    server.router.bounce(ctx.stanza, new StanzaError('cancel', 'service-unavailable'), ctx.origin);
  }
  return true;
}

function deliverIqToFull(server: ServerContext, ctx: StanzaContext): boolean {
  if (server.router.deliverTo(ctx.to, ctx.stanza) === 0 && !isResponse(ctx)) {
    server.router.bounce(ctx.stanza, new StanzaError('cancel', 'service-unavailable'), ctx.origin);
  }
  return true;
}

function isResponse(ctx: StanzaContext): boolean {
  const type = ctx.stanza.attrs.type;
  return type === 'result' || type === 'error';
}
