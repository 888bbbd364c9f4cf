import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { AD_HOC, CommandRegistry } from './ad-hoc/commands.js';
import { CommandSessions } from './ad-hoc/sessions.js';

/**
 * XEP-0050 ad-hoc commands on the account host (the server's own domain, where Gajim and
 * Converse look for them). Other modules add commands through the host's AD_HOC service.
 */
export default defineModule({
  name: 'ad-hoc',
  hostKinds: ['account'],
  load(host, server) {
    const sessions = new CommandSessions(server.now);
    const registry = new CommandRegistry(host, sessions);
    server.services.provide(AD_HOC, registry, host);
    host.features.add(NS.adhoc);
    host.onIq('set', NS.adhoc, 'command', 'host', (ctx, payload) => registry.handle(ctx.from, payload));
    server.events.on('session-closed', (session) => sessions.closeAllOf(session.jid.toString()));
  },
});
