import { clone, xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { SessionKey, type Session } from '../core/session.js';
import type { Host, StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { tryParseJid } from '../jid/jid.js';

/** Whether this resource asked for carbons (off until it enables them); shared, so that other cluster nodes copy to it too. */
const CARBONS_ENABLED = new SessionKey<boolean>('carbons enabled', () => false, { shared: true });

/**
 * XEP-0280 message carbons: each resource that enabled carbons gets a copy of the chat
 * messages its account sends from other resources (sent carbons, seen as they leave the
 * client, whatever their destination: a user on any host, a MUC occupant) and of those
 * delivered to other resources of the account (received carbons, from the recipient host's
 * message chains at priority 5, just before the default delivery at 0, which still delivers).
 */
export default defineModule({
  name: 'carbons',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    host.features.add(NS.carbons);
    for (const target of ['host', 'bare'] as const) {
      host.onIq('set', NS.carbons, 'enable', target, (ctx) => toggle(host, ctx, true));
      host.onIq('set', NS.carbons, 'disable', target, (ctx) => toggle(host, ctx, false));
    }

    server.events.on('stanza-from-client', (session, stanza) => {
      if (session.host === host && stanza.name === 'message') sendSentCarbons(server, session, stanza);
    });
    host.on('message', 'full', (ctx) => sendReceivedCarbons(server, ctx), 5);
    host.on('message', 'bare', (ctx) => sendReceivedCarbons(server, ctx), 5);
  },
});

/** Only a client of this host, about itself: enable with no 'to' or to the server. */
function toggle(host: Host, ctx: StanzaContext, enabled: boolean): null {
  const session = ctx.origin;
  const own = session !== null && (ctx.to.isDomain ? session.host === host : session.bare.equals(ctx.to));
  if (!own) throw new StanzaError('cancel', 'service-unavailable');
  session.set(CARBONS_ENABLED, enabled);
  return null;
}

/** XEP-0280 §6: chat messages and normal ones with a body, unless the sender opted out. */
function isCopied(stanza: Element): boolean {
  if (stanza.getChild('private', NS.carbons) || stanza.getChild('no-copy', NS.hints)) return false;
  // A carbon is never copied again (it would also let a client forge one inside a message).
  if (stanza.getChild('sent', NS.carbons) || stanza.getChild('received', NS.carbons)) return false;
  const type = stanza.attrs.type ?? 'normal';
  return type === 'chat' || (type === 'normal' && stanza.getChild('body') !== undefined);
}

function sendSentCarbons(server: ServerContext, sender: Session, stanza: Element): void {
  if (!isCopied(stanza)) return;
  // A message to one's own account (or with no 'to') gets received carbons when it is delivered;
  // an invalid 'to' is bounced by the router and copied nowhere.
  const to = tryParseJid(stanza.attrs.to);
  if (!to || to.bare().equals(sender.bare)) return;
  const others = server.sessions.of(sender.bare).filter((session) => session !== sender && session.get(CARBONS_ENABLED));
  if (others.length > 0) sendCopies(server, 'sent', sender.bare.toString(), stanza, others);
}

function sendReceivedCarbons(server: ServerContext, ctx: StanzaContext): false {
  if (!isCopied(ctx.stanza)) return false;
  const direct = directRecipients(server, ctx);
  if (direct.length === 0) return false;
  const others = server.sessions.of(ctx.to.bare())
    .filter((session) => session.get(CARBONS_ENABLED) && session !== ctx.origin && !direct.includes(session));
  if (others.length > 0) sendCopies(server, 'received', ctx.to.bare().toString(), ctx.stanza, others);
  return false;
}

/**
 * The sessions the default delivery (delivery.ts) will hand this message to. Carbons go to
 * the account's other resources; none when delivery will bounce the message.
 */
function directRecipients(server: ServerContext, ctx: StanzaContext): Session[] {
  if (!ctx.to.isBare) {
    const session = server.sessions.get(ctx.to);
    if (session) return [session];
  }
  return server.sessions.messageRecipients(ctx.to.bare());
}

/** Wraps the message per XEP-0280 §7 and XEP-0297; each resource gets its own copy (queues may keep it). */
function sendCopies(server: ServerContext, direction: 'sent' | 'received', account: string, stanza: Element, sessions: Session[]): void {
  const copy = clone(stanza);
  copy.attrs.xmlns = NS.client;
  if (copy.attrs.to === undefined) copy.attrs.to = account;
  const carbon = xml('message', { from: account, type: stanza.attrs.type ?? 'normal' },
    xml(direction, { xmlns: NS.carbons }, xml('forwarded', { xmlns: NS.forward }, copy)));
  for (const session of sessions) {
    const addressed = clone(carbon);
    addressed.attrs.to = session.jid.toString();
    server.router.deliverTo(session.jid, addressed);
  }
}
