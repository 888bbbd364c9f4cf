import { xml } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { MONITORING } from '../monitoring/service.js';

/**
 * XEP-0012 Last Activity asked of the server itself (§5): the seconds since it started, which
 * clients show as the server's uptime (Gajim's server info window asks for it). A user's last
 * activity is not offered: when someone was last online is theirs to keep.
 */
export default defineModule({
  name: 'uptime',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    const { started } = server.services.get(MONITORING);
    host.features.add(NS.lastActivity);
    host.onIq('get', NS.lastActivity, 'query', 'host', () => {
      const seconds = Math.max(0, Math.floor((server.now() - started.at) / 1000));
      return xml('query', { xmlns: NS.lastActivity, seconds: String(seconds) });
    });
  },
});
