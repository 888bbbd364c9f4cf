import { createHash } from 'node:crypto';
import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { ServerContext } from '../core/context.js';
import { SessionKey, type Session } from '../core/session.js';
import { SITE_IDENTITY } from '../core/site-identity.js';
import { serialize } from './user-data.js';
import { fetchAvatarImage, type AvatarImage } from './site-avatar/fetch-image.js';
import { AvatarCache } from './site-avatar/cache.js';
import { siteAvatarLock } from './site-avatar/lock.js';
import { MAX_AVATAR_IMAGE_BYTES, vcardFits } from './vcard-limits.js';

const NS_VCARD_UPDATE = 'vcard-temp:x:update';
const LIMITS = { maxBytes: MAX_AVATAR_IMAGE_BYTES, timeoutMs: 5000 };
// One fetch per image URL for a while, however many guests sign in with it (site-avatar/cache.ts).
const CACHE = { maxEntries: 512, successMs: 15 * 60_000, firstFailureMs: 30_000 };
// Above the MUC's own presence handler (priority 0), which it then lets through.
const BEFORE_MUC = 10;

interface AvatarState {
  /** SHA-1 of the image (XEP-0153), once fetched. */
  hash?: string;
  /** Set while the image is being fetched. */
  pending?: Promise<void>;
}

const AVATAR = new SessionKey<AvatarState>('site avatar', () => ({}));

/**
 * The avatar a site gives its signed-in guest (the token's `img`, auth/claims.ts). Palaver
 * fetches it once, itself, from the site (an allowed origin), with size, type and time caps,
 * and serves it as the guest's vCard (XEP-0054, which the room forwards vCard requests to)
 * and as the photo hash in their room presence (XEP-0153). So the other guests' browsers get
 * the picture from Palaver and never contact the site, and the picture is the one the site
 * signed, not one the guest chose. The join presence waits for the fetch (at most its
 * timeout) so that the first presence already carries the hash. The guest's client may not
 * replace that picture (site-avatar/lock.ts).
 */
export default defineModule({
  name: 'site-avatar',
  hostKinds: ['muc'],
  setup(server) {
    const cache = new AvatarCache({ ...CACHE, now: server.now, fetch: (url) => fetchAvatarImage(url, LIMITS) });
    const onBound = (session: Session) => {
      const url = session.get(SITE_IDENTITY)?.avatar;
      if (!url) return;
      const state = session.get(AVATAR);
      state.pending = cache.get(url).then((image) => {
        state.pending = undefined;
        if (image && !session.closed) publish(server, session, state, image);
      });
    };
    server.events.on('session-bound', onBound);
    return server.router.addGuard(siteAvatarLock);
  },
  load(host, server) {
    host.on('presence', 'full', (ctx) => {
      const session = ctx.origin;
      if (!session) return false;
      const state = session.get(AVATAR);
      // Every presence waits while the picture is fetched, so that they stay in order.
      if (state.pending) {
        const stanza = ctx.stanza;
        void state.pending.then(() => {
          if (!session.closed) server.router.route(stanza, session);
        });
        return true;
      }
      if (state.hash && ctx.stanza.attrs.type === undefined) setPhotoHash(ctx.stanza, state.hash);
      return false;
    }, BEFORE_MUC);
  },
});

/** The guest's vCard (kept with their other data, in memory) with the site's picture. */
function publish(server: ServerContext, session: Session, state: AvatarState, image: AvatarImage): void {
  const host = server.hosts.get(session.bare.domain);
  if (!host) return;
  const vcard = xml('vCard', { xmlns: NS.vcard },
    xml('NICKNAME', {}, session.get(SITE_IDENTITY)?.nick ?? ''),
    xml('PHOTO', {}, xml('TYPE', {}, image.type), xml('BINVAL', {}, image.data.toString('base64'))));
  const text = serialize(vcard);
  // Cannot happen with the image cap (vcard-limits.ts), but a vCard never goes over the one rule.
  if (!vcardFits(text)) return;
  host.users.userData.set(session.bare.toString(), 'vcard-temp', text);
  state.hash = createHash('sha1').update(image.data).digest('hex');
}

/** XEP-0153: the presence says which picture the vCard holds (replacing the client's own, empty, note). */
function setPhotoHash(presence: Element, hash: string): void {
  presence.children = presence.children.filter((child) => typeof child === 'string' || !(child.name === 'x' && child.attrs.xmlns === NS_VCARD_UPDATE));
  presence.append(xml('x', { xmlns: NS_VCARD_UPDATE }, xml('photo', {}, hash)));
}
