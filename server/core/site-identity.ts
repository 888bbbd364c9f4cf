import { SessionKey } from './session.js';

/**
 * Who a site says a guest is, from the signed token the guest signed in with
 * ([auth.jwt]): the features read it from the session (locked nickname, avatar, moderator
 * rights) without knowing how it was checked.
 */
export interface SiteIdentity {
  /** The nickname the guest uses in every room (normalised, like any nickname). */
  nick: string;
  /** An avatar URL on an allowed site, if the token carried one. */
  avatar?: string;
  /** The site made this guest an operator: moderator in every room they join. */
  operator: boolean;
}

/** Set when the session signed in with a site token; null for everyone else. */
export const SITE_IDENTITY = new SessionKey<SiteIdentity | null>('site identity', () => null);
