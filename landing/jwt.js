// Sites that sign their users in ([auth.jwt]): the token comes in the link
// (/?channel=lobby&jwt=TOKEN) or, when a site frames the chat, from the framing page by
// postMessage (/?channel=lobby&jwt=postMessage). Converse then signs in with it
// (OAUTHBEARER) under the token's nickname, which the server locks.

import { settings } from './page.js';

const HANDED_OVER = 'postMessage';
// How long a framed chat waits for its page to hand the token over.
const HANDOVER_TIMEOUT_MS = 15000;
const MAX_TOKEN_LENGTH = 4096;

// Out of the address bar and the history at once, before anything else runs: a token left
// there would be in bookmarks, shared links and screenshots. (No Referer carries it either:
// the page sends Referrer-Policy: no-referrer.)
const fromAddress = (() => {
  const url = new URL(location.href);
  const value = url.searchParams.get('jwt');
  if (value === null || value === HANDED_OVER) return value;
  url.searchParams.delete('jwt');
  history.replaceState(history.state, '', url);
  return value;
})();

/** The token's nickname (nick, else sub), read without checking: the server checks it and locks it. */
function nickOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    const nick = typeof claims.nick === 'string' ? claims.nick : claims.sub;
    return typeof nick === 'string' ? nick.trim().normalize('NFC') : null;
  } catch {
    return null;
  }
}

/** The token the framing page posts, from an origin allowed to frame the chat. */
function handedOver() {
  const allowed = settings.siteSignIn.frameAncestors;
  if (window.parent === window || allowed.length === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = (token) => {
      window.removeEventListener('message', onMessage);
      clearTimeout(timer);
      resolve(token);
    };
    const onMessage = (event) => {
      if (event.source !== window.parent || !allowed.includes(event.origin)) return;
      const data = event.data;
      if (data?.type === 'palaver:token' && typeof data.token === 'string' && data.token.length <= MAX_TOKEN_LENGTH) done(data.token);
    };
    const timer = setTimeout(() => done(null), HANDOVER_TIMEOUT_MS);
    window.addEventListener('message', onMessage);
    // Only that the chat is listening: nothing secret, so any framing origin may hear it.
    window.parent.postMessage({ type: 'palaver:ready' }, '*');
  });
}

/**
 * For a link that brought a token (or a frame that is handed one): { token, nick }; null when
 * this visit is not a site sign-in. Throws an Error with the text to show when it fails.
 */
export async function siteSignIn() {
  if (!settings.siteSignIn.token) return null;
  const token = fromAddress === HANDED_OVER ? await handedOver() : fromAddress;
  if (!token) throw new Error('This chat is waiting for the site to sign you in, but no sign-in arrived. Please open the chat from the site again.');
  const nick = nickOf(token);
  if (!nick) throw new Error('The sign-in from the site could not be read. Please open the chat from the site again.');
  return { token, nick };
}

/** The chat server refused the token (the sign-in's text is not shown to pages by Converse). */
export const SITE_SIGN_IN_REFUSED = 'The chat did not accept your sign-in from the site: it may have expired. Please open the chat from the site again.';

/** What Converse needs to sign in with the token instead of anonymously. */
export function siteConverseOptions({ token }) {
  return {
    authentication: 'login',
    jid: settings.anonymousDomain,
    password: token,
    reuse_scram_keys: false,
    credentials_url: null,
    connection_options: {},
  };
}
