import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import { detached, isOwnAccount, parseStored, serialize } from './user-data.js';

/** Bookmarks and client settings are small; these caps bound what one user can make us keep. */
const MAX_BYTES_PER_USER = 256 * 1024;
const MAX_ELEMENTS_PER_USER = 64;
/** Everything a user stored is kept as one <query/> document under this key. */
const KEY = NS.privateXml;

/**
 * XEP-0049 private XML storage: a user stores and fetches elements keyed by name and
 * namespace (Gajim's bookmarks fallback, client settings). Only the user's own sessions may
 * use it; jabber:* namespaces are refused as the XEP requires.
 */
export default defineModule({
  name: 'private-storage',
  hostKinds: ['account', 'anonymous'],
  load(host) {
    const store = host.users.userData;
    const load = (user: string): Element =>
      parseStoredDocument(store.get(user, KEY)) ?? xml('query', { xmlns: NS.privateXml });

    host.onIq('get', NS.privateXml, 'query', 'bare', (ctx, query) => {
      const wanted = requestedElement(ctx, query);
      const stored = find(load(ctx.to.toString()), wanted);
      return xml('query', { xmlns: NS.privateXml }, stored ?? xml(wanted.getName(), { xmlns: wanted.getNS() }));
    });

    host.onIq('set', NS.privateXml, 'query', 'bare', (ctx, query) => {
      const element = requestedElement(ctx, query);
      const user = ctx.to.toString();
      const document = load(user);
      const previous = find(document, element);
      if (previous) document.remove(previous);
      // An element with no content clears it, so a user can always free space.
      if (element.children.length > 0 || Object.keys(element.attrs).some((attr) => !attr.startsWith('xmlns'))) {
        document.cnode(detached(element));
      }
      const children = document.getChildElements();
      if (children.length === 0) {
        store.set(user, KEY, null);
        return null;
      }
      const text = serialize(document);
      if (children.length > MAX_ELEMENTS_PER_USER || Buffer.byteLength(text) > MAX_BYTES_PER_USER) {
        throw new StanzaError('modify', 'policy-violation',
          `private storage holds at most ${MAX_ELEMENTS_PER_USER} elements and ${MAX_BYTES_PER_USER / 1024} KiB per user`);
      }
      store.set(user, KEY, text);
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

function find(document: Element, like: Element): Element | undefined {
  const xmlns = like.getNS();
  return document.getChildElements().find((child) => child.getName() === like.getName() && child.getNS() === xmlns);
}

function parseStoredDocument(text: string | undefined): Element | undefined {
  const document = text === undefined ? undefined : parseStored(text);
  return document?.is('query', NS.privateXml) ? document : undefined;
}
