import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { CAPS_CACHE, CapsCache } from './caps/cache.js';
import { registerPepHandlers } from './pep/handlers.js';
import { onPresence, onSubscribed, sendLastItems } from './pep/last-items.js';
import type { ServerContext } from '../core/context.js';
import { PEP, PepService } from './pep/service.js';

/** What the bare JID's disco#info says of PEP (XEP-0163 §6, the XEP-0060 features clients check). */
const PEP_FEATURES = [
  '', '#access-open', '#access-presence', '#access-whitelist', '#auto-create', '#auto-subscribe',
  '#config-node', '#config-node-max', '#create-and-configure', '#create-nodes', '#delete-items', '#delete-nodes',
  '#filtered-notifications', '#item-ids', '#last-published', '#multi-items', '#persistent-items',
  '#presence-notifications', '#publish', '#publish-options', '#purge-nodes', '#retract-items',
  '#retrieve-default', '#retrieve-items',
].map((suffix) => `${NS.pubsub}${suffix}`);

/**
 * XEP-0163 Personal Eventing Protocol on every user's bare JID (accounts and guests): nodes
 * made by publishing, publish-options, node configuration, +notify filtering from entity
 * capabilities (XEP-0115, cached by client version) and the last items on presence. Carries
 * XEP-0402 bookmarks, XEP-0084 avatars, XEP-0172 nicknames and OMEMO device lists as they are.
 */
export default defineModule({
  name: 'pep',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    const caps = new CapsCache(server);
    const pep = new PepService(server, caps);
    server.services.provide(CAPS_CACHE, caps);
    server.services.provide(PEP, pep);
    caps.onLearned((session, features) => sendLastItems(server, pep, session, features));
    return () => caps.stop();
  },
  load(host, server) {
    const caps = server.services.get(CAPS_CACHE);
    const pep = server.services.get(PEP);
    host.accountIdentities.push({ category: 'pubsub', type: 'pep' });
    for (const feature of PEP_FEATURES) host.accountFeatures.add(feature);
    registerPepHandlers(host, server, pep);
    host.accountItems.push((user, requester) => pep.readableNodes(user, requester).map((node) => ({ jid: user.toString(), node })));
    // Answers to the cache's disco#info queries come to the domain; before the default delivery drops them.
    host.on('iq', 'host', (ctx) => caps.handleResponse(ctx.stanza), 5);
    // Watches presence without taking it: once the presence module has dealt with it (recorded
    // the broadcast, updated the rosters for an approval), the last items go out.
    host.on('presence', 'bare', (ctx) => {
      const { origin, stanza } = ctx;
      if (!origin) return false;
      if (stanza.attrs.to === undefined && stanza.attrs.type === undefined) {
        afterRouting(server, () => onPresence(server, pep, caps, origin));
      } else if (stanza.attrs.type === 'subscribed') {
        afterRouting(server, () => onSubscribed(server, pep, caps, origin.bare, ctx.to.bare()));
      }
      return false;
    }, 20);
  },
});

/** Runs once the stanza being routed has been handled, outside the router's catch: a failure is logged, never thrown. */
function afterRouting(server: ServerContext, task: () => void): void {
  queueMicrotask(() => {
    try {
      task();
    } catch (error) {
      server.log.error({ err: error }, 'could not send the last PEP items');
    }
  });
}
