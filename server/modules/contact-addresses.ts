import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { Config } from '../config/types.js';

/** [server.contact] key → XEP-0157 field. */
const FIELDS: readonly [keyof Config['server']['contact'], string][] = [
  ['abuse', 'abuse-addresses'],
  ['admin', 'admin-addresses'],
  ['security', 'security-addresses'],
  ['support', 'support-addresses'],
];

/** The XEP-0157 form of the configured addresses; null when none is configured. */
export function contactAddressesForm(contact: Config['server']['contact']): Element | null {
  const fields = FIELDS.filter(([key]) => contact[key].length > 0);
  if (fields.length === 0) return null;
  return xml('x', { xmlns: NS.dataForms, type: 'result' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.serverInfo)),
    ...fields.map(([key, name]) => xml('field', { var: name, type: 'list-multi' }, ...contact[key].map((uri) => xml('value', {}, uri)))));
}

/**
 * XEP-0157 contact addresses: the [server.contact] URIs (admin, abuse, support, security) as
 * an extended disco#info form of the domains clients sign in to, where Gajim and Conversations
 * show them. The landing page shows the same addresses.
 */
export default defineModule({
  name: 'contact-addresses',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    const form = contactAddressesForm(server.config.server.contact);
    if (form) host.infoExtensions.push(form);
  },
});
