import { xml } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { packageVersion } from '../version.js';

/**
 * XEP-0092 software version of the server and its services. The operating system is left
 * out on purpose (XEP-0092 §4 makes it optional): it only helps someone looking for targets.
 */
export default defineModule({
  name: 'version',
  hostKinds: ['account', 'anonymous', 'muc', 'upload', 'proxy'],
  load(host) {
    const version = packageVersion();
    host.features.add(NS.version);
    host.onIq('get', NS.version, 'query', 'host', () =>
      xml('query', { xmlns: NS.version }, xml('name', {}, 'Palaver'), xml('version', {}, version)));
  },
});
