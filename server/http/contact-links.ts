import type { Config } from '../config/types.js';
import { escapeHtml, SafeHtml } from './landing-html.js';

/** What each [server.contact] list is for, as the page words it. */
const LABELS: readonly [keyof Config['server']['contact'], string][] = [
  ['support', 'Help'],
  ['abuse', 'Report abuse'],
  ['security', 'Security issues'],
  ['admin', 'Admin'],
];

/** Schemes the config accepts (config/schema.ts); anything else is left off the page. */
const LINK_SCHEMES = /^(mailto|xmpp|https|tel):/i;

/**
 * The XEP-0157 contact addresses as a line of the landing page's footer: the same addresses
 * XMPP apps find in disco#info, for guests who only see the web page. Empty when none is set.
 */
export function contactLinks(contact: Config['server']['contact']): SafeHtml {
  const parts = LABELS.flatMap(([key, label]) => {
    const links = contact[key].filter((uri) => LINK_SCHEMES.test(uri))
      .map((uri) => `<a href="${escapeHtml(uri)}">${escapeHtml(uri.replace(LINK_SCHEMES, '').replace(/^\/\//, ''))}</a>`);
    return links.length === 0 ? [] : [`${escapeHtml(label)}: ${links.join(', ')}`];
  });
  return new SafeHtml(parts.length === 0 ? '' : `<p class="contacts">${parts.join(' · ')}</p>`);
}
