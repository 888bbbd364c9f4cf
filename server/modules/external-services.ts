import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { Session } from '../core/session.js';
import type { Host, StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { serversOf, type StunTurnServer } from './calls/turn-uri.js';
import { sessionTurnCredential } from './calls/session-credential.js';
import { isInARoomAnywhere } from './calls/rooms.js';

/**
 * XEP-0215 external service discovery: the STUN and TURN servers of [calls] for calls
 * between a host's own users (account holders on the account domain, guests on the guest
 * domain), TURN with credentials coturn checks against its static-auth-secret. With neither
 * stun_uri nor turn_uri set the host offers nothing, and says so by not announcing the feature.
 *
 * A relay costs the admin bandwidth, and a guest costs nothing to make: a guest gets TURN
 * only while it is an occupant of a room (the only place it can call from); account holders
 * always. STUN needs no credential and is offered to every session of the host.
 */
export default defineModule({
  name: 'external-services',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    const { stun_uri: stun, turn_uri: turn } = server.config.calls;
    const servers = [...(stun ? serversOf(stun) : []), ...(turn ? serversOf(turn) : [])];
    if (servers.length === 0) return;
    host.features.add(NS.extdisco);
    host.onIq('get', NS.extdisco, 'services', 'host', async (ctx, query) => {
      const session = ownSession(host, ctx);
      const type = query.attrs.type;
      const relays = servers.some((service) => isRelay(service) && (type === undefined || service.type === type))
        && await mayRelay(server, session);
      const wanted = servers.filter((service) => (type === undefined || service.type === type) && (!isRelay(service) || relays));
      return xml('services', { xmlns: NS.extdisco }, ...wanted.map((service) => serviceElement(server, session, service)));
    });
    // §3.3: fresh credentials for one service (a client whose credentials expired mid-session).
    host.onIq('get', NS.extdisco, 'credentials', 'host', async (ctx, query) => {
      const session = ownSession(host, ctx);
      const asked = query.getChild('service');
      const service = servers.find((candidate) => candidate.host === asked?.attrs.host && candidate.type === asked?.attrs.type
        && (asked?.attrs.port === undefined || String(candidate.port) === asked.attrs.port));
      if (!service) throw new StanzaError('cancel', 'item-not-found', 'no such service here');
      if (isRelay(service) && !await mayRelay(server, session)) throw new StanzaError('auth', 'forbidden', 'guests get TURN credentials while in a room');
      return xml('credentials', { xmlns: NS.extdisco }, serviceElement(server, session, service));
    });
  },
});

/** Only the host's own clients get its services (a relay costs bandwidth; guests get theirs from the guest domain). */
function ownSession(host: Host, ctx: StanzaContext): Session {
  if (!ctx.origin || ctx.origin.host !== host) throw new StanzaError('auth', 'forbidden', 'ask your own server');
  return ctx.origin;
}

function isRelay(service: StunTurnServer): boolean {
  return service.type === 'turn' || service.type === 'turns';
}

/** On a cluster the guest's room may be served by another node: asked there (calls/rooms.ts). */
async function mayRelay(server: ServerContext, session: Session): Promise<boolean> {
  return !session.isGuest || await isInARoomAnywhere(server, session);
}

function serviceElement(server: ServerContext, session: Session, service: StunTurnServer): Element {
  const attrs: Record<string, string> = { type: service.type, host: service.host, port: String(service.port), transport: service.transport };
  if (isRelay(service)) {
    const { turn_secret: secret, credential_lifetime: lifetime } = server.config.calls;
    const credential = sessionTurnCredential(session, secret, lifetime, server.now());
    Object.assign(attrs, {
      username: credential.username,
      password: credential.password,
      expires: new Date(credential.expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      restricted: '1',
    });
  }
  return xml('service', attrs);
}
