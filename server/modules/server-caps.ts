import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { Host } from '../core/host.js';
import { STREAM_EXTENSIONS } from '../core/stream-extensions.js';
import { capsVerification } from './caps/verification.js';

/** XEP-0115 node: names the software; the ver says which disco#info it has. */
export const SERVER_CAPS_NODE = 'https://palaver.chat/caps';

/**
 * XEP-0115 §6.3: the server's entity capabilities in the stream features after sign-in, a
 * hash of the domain's disco#info, so that a client that has seen this version skips the
 * query. The version's node answers disco#info with the domain's own answer.
 */
export default defineModule({
  name: 'server-caps',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    // The ver of each host, by what it hashed: modules fill a host in at load and it rarely changes after.
    const computed = new WeakMap<Host, Computed>();
    server.services.get(STREAM_EXTENSIONS).advertise((host) => (host.acceptsClients ? capsElement(host, computed) : null));
  },
});

interface Computed { signature: string; ver: string }

function hostVer(host: Host, computed: WeakMap<Host, Computed>): string {
  const signature = `${host.identities.length} ${host.features.size} ${host.infoExtensions.length}`;
  const known = computed.get(host);
  if (known?.signature === signature) return known.ver;
  const ver = capsVerification({ identities: host.identities, features: [...host.features], forms: host.infoExtensions });
  computed.set(host, { signature, ver });
  return ver;
}

function capsElement(host: Host, computed: WeakMap<Host, Computed>): Element {
  const ver = hostVer(host, computed);
  const node = `${SERVER_CAPS_NODE}#${ver}`;
  if (!host.discoNodes.has(node)) {
    host.discoNodes.set(node, {
      info: () => ({ identities: [...host.identities], features: [...host.features], extensions: host.infoExtensions }),
      items: () => [],
    });
  }
  return xml('c', { xmlns: NS.caps, hash: 'sha-1', node: SERVER_CAPS_NODE, ver });
}
