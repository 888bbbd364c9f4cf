import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';

/** XEP-0199: the server (and a client's own account) answers pings. */
export default defineModule({
  name: 'ping',
  hostKinds: ['account', 'anonymous', 'muc', 'upload', 'proxy'],
  load(host) {
    host.features.add(NS.ping);
    host.onIq('get', NS.ping, 'ping', 'host', () => null);
    if (host.acceptsClients) host.onIq('get', NS.ping, 'ping', 'bare', () => null);
  },
});
