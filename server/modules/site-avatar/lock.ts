import type { RouteGuard } from '../../core/router.js';
import { SITE_IDENTITY } from '../../core/site-identity.js';
import type { Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';

/** XEP-0084 nodes: another way a client announces its own picture. */
const AVATAR_NODES = new Set(['urn:xmpp:avatar:data', 'urn:xmpp:avatar:metadata']);
const PUBSUB_NAMESPACES = new Set<string>([NS.pubsub, NS.pubsubOwner]);

/**
 * The picture of a guest whose site gave one (the token's `img`) is the site's: the guest's
 * own client may not replace it, neither the vCard the room serves (XEP-0054 set) nor an
 * XEP-0084 avatar on their PEP. Without this the guest could swap the signed picture for any
 * image, and the other guests would see it under the site's name. Other guests and accounts
 * keep their usual rights (vcard.ts: only the owner writes their vCard).
 */
export const siteAvatarLock: RouteGuard = (ctx) => {
  const { stanza, origin } = ctx;
  if (stanza.name !== 'iq' || stanza.attrs.type !== 'set' || !origin) return undefined;
  if (!origin.get(SITE_IDENTITY)?.avatar || !ctx.to.bare().equals(origin.bare)) return undefined;
  const payload = stanza.getChildElements()[0];
  if (!payload || !writesPicture(payload)) return undefined;
  return new StanzaError('cancel', 'not-allowed', 'your picture comes from the site you signed in with');
};

/** A vCard set, or any pubsub request (publish, retract, delete...) on an XEP-0084 node. */
function writesPicture(payload: Element): boolean {
  const ns = payload.getNS() ?? '';
  if (ns === NS.vcard) return payload.getName() === 'vCard';
  if (!PUBSUB_NAMESPACES.has(ns)) return false;
  return payload.getChildElements().some((action) => AVATAR_NODES.has(String(action.attrs.node ?? '')));
}
