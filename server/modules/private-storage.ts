import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import { isOwnAccount } from './user-data.js';
import { PRIVATE_XML, PrivateXmlStore } from './private-xml.js';

/**
 * XEP-0049 private XML storage: a user stores and fetches elements keyed by name and
 * namespace (Gajim's bookmarks fallback, client settings). Only the user's own sessions may
 * use it; jabber:* namespaces are refused as the XEP requires.
 */
export default defineModule({
  name: 'private-storage',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    const store = new PrivateXmlStore(host.users.userData);
    server.services.provide(PRIVATE_XML, store, host);

    host.onIq('get', NS.privateXml, 'query', 'bare', (ctx, query) => {
      const wanted = requestedElement(ctx, query);
      const stored = store.fetch(ctx.to.toString(), wanted.getName(), wanted.getNS() ?? '');
      return xml('query', { xmlns: NS.privateXml }, stored ?? xml(wanted.getName(), { xmlns: wanted.getNS() }));
    });

    host.onIq('set', NS.privateXml, 'query', 'bare', (ctx, query) => {
      store.put(ctx.to.toString(), requestedElement(ctx, query));
      return null;
    });
  },
});

/** The one child of the query, after the access and namespace checks of XEP-0049 §3. */
function requestedElement(ctx: StanzaContext, query: Element): Element {
  if (!isOwnAccount(ctx)) throw new StanzaError('auth', 'forbidden', 'private storage is only for its owner');
  const children = query.getChildElements();
  if (children.length === 0) throw new StanzaError('modify', 'not-acceptable', 'name an element to store or fetch');
  if (children.length > 1) throw new StanzaError('modify', 'bad-request', 'one element per request');
  const element = children[0]!;
  const xmlns = element.getNS() ?? '';
  if (xmlns === '' || xmlns.startsWith('jabber:')) {
    throw new StanzaError('modify', 'not-acceptable', 'jabber:* namespaces cannot be stored');
  }
  return element;
}
