import { clone, type Element } from '../xml/element.js';
import { XmlStreamParser } from '../xml/stream-parser.js';
import type { Host, StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';

/**
 * Shared by the modules that keep small per-user XML documents (vcard-temp, private XML):
 * where the documents live, and how an element is stored and read back intact.
 */

/** The user exists: an account in storage, or a guest who is online (guests exist only while connected). */
export function userExists(server: ServerContext, host: Host, local: string): boolean {
  if (host.kind === 'anonymous') return server.sessions.of(`${local}@${host.name}`).length > 0;
  return server.storage.accounts.exists(local, host.name);
}

/** The request came from a session of the account it addresses (not a component, not someone else). */
export function isOwnAccount(ctx: StanzaContext): boolean {
  return ctx.origin !== null && ctx.origin.bare.equals(ctx.to.bare());
}

/**
 * A copy of element that keeps the namespace declarations it inherited from its ancestors
 * (e.g. a prefix declared on the iq), so that it means the same once stored on its own.
 */
export function detached(element: Element): Element {
  const copy = clone(element);
  for (let ancestor = element.parent; ancestor; ancestor = ancestor.parent) {
    for (const [attr, uri] of Object.entries(ancestor.attrs)) {
      if ((attr === 'xmlns' || attr.startsWith('xmlns:')) && copy.attrs[attr] === undefined) copy.attrs[attr] = uri;
    }
  }
  return copy;
}

/** Serialised form for storage; Buffer.byteLength of it is what size caps count. */
export function serialize(element: Element): string {
  return element.toString();
}

/**
 * Parses a stored document with the strict parser. It is wrapped so that the stored element
 * keeps its own name and prefixes exactly (the parser rewrites top-level elements only).
 * Returns undefined for unreadable data, which callers treat as absent.
 */
export function parseStored(text: string): Element | undefined {
  let wrapper: Element | undefined;
  let failed = false;
  const parser = new XmlStreamParser('fragment', {
    maxStanzaSize: text.length + 64,
    maxDepth: 1024,
    maxElements: Number.MAX_SAFE_INTEGER,
    maxAttributes: 1024,
  }, {
    onElement: (element) => { wrapper = element; },
    onError: () => { failed = true; },
  });
  parser.write(`<stored>${text}</stored>`);
  parser.end();
  if (failed || !wrapper) return undefined;
  return wrapper.getChildElements()[0];
}
