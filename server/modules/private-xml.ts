import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { UserDataStore } from '../storage/types.js';
import { serviceKey } from '../core/services.js';
import { detached, parseStored, serialize } from './user-data.js';

/** Bookmarks and client settings are small; these caps bound what one user can make us keep. */
const MAX_BYTES_PER_USER = 256 * 1024;
const MAX_ELEMENTS_PER_USER = 64;
/** Everything a user stored is kept as one <query/> document under this key. */
const KEY = NS.privateXml;

/** Told when a client stores an element of a namespace (not when a mirroring feature does). */
export type PrivateXmlListener = (user: string, element: Element | undefined) => void;

/**
 * XEP-0049 documents of one host's users, as the private-storage module serves them and as
 * features that mirror them (XEP-0411 bookmarks) read and write them.
 */
export class PrivateXmlStore {
  private readonly listeners = new Map<string, PrivateXmlListener[]>();

  constructor(private readonly store: UserDataStore) {}

  /** The stored element with this name and namespace, if any. */
  fetch(user: string, name: string, xmlns: string): Element | undefined {
    return find(this.load(user), name, xmlns);
  }

  /**
   * Stores the element in place of the one with its name and namespace; an element with no
   * content clears it, so a user can always free space. Throws policy-violation past the caps.
   */
  put(user: string, element: Element, source: 'client' | 'mirror' = 'client'): void {
    const document = this.load(user);
    const xmlns = element.getNS() ?? '';
    const previous = find(document, element.getName(), xmlns);
    if (previous) document.remove(previous);
    const empty = element.children.length === 0 && !Object.keys(element.attrs).some((attr) => !attr.startsWith('xmlns'));
    if (!empty) document.cnode(detached(element));
    const children = document.getChildElements();
    if (children.length === 0) {
      this.store.set(user, KEY, null);
    } else {
      const text = serialize(document);
      if (children.length > MAX_ELEMENTS_PER_USER || Buffer.byteLength(text) > MAX_BYTES_PER_USER) {
        throw new StanzaError('modify', 'policy-violation',
          `private storage holds at most ${MAX_ELEMENTS_PER_USER} elements and ${MAX_BYTES_PER_USER / 1024} KiB per user`);
      }
      this.store.set(user, KEY, text);
    }
    if (source !== 'client') return;
    for (const listener of this.listeners.get(xmlns) ?? []) listener(user, empty ? undefined : element);
  }

  onStored(xmlns: string, listener: PrivateXmlListener): void {
    this.listeners.set(xmlns, [...(this.listeners.get(xmlns) ?? []), listener]);
  }

  private load(user: string): Element {
    const text = this.store.get(user, KEY);
    const document = text === undefined ? undefined : parseStored(text);
    return document?.is('query', NS.privateXml) ? document : xml('query', { xmlns: NS.privateXml });
  }
}

function find(document: Element, name: string, xmlns: string): Element | undefined {
  return document.getChildElements().find((child) => child.getName() === name && child.getNS() === xmlns);
}

/** Each client host's private XML store, provided by the private-storage module. */
export const PRIVATE_XML = serviceKey<PrivateXmlStore>('private XML storage');
