/** What every XEP-0133 command shares: who is an admin, and the form type of their forms. */
import { NS } from '../../xml/namespaces.js';
import type { Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { AdHocCommand } from '../ad-hoc/commands.js';

export const ADMIN_NODE_PREFIX = `${NS.admin}#`;

/** An XEP-0133 command: its node under http://jabber.org/protocol/admin, for [server].admins only. */
export type AdminCommand = Omit<AdHocCommand, 'allowed' | 'formType'>;

/**
 * [server].admins, signed in with their account: the list holds account JIDs of the server's
 * domain, so a guest (anonymous domain) can never match it.
 */
export function adminsOnly(server: ServerContext, command: AdminCommand): AdHocCommand {
  const admins = new Set(server.config.server.admins);
  const domain = server.config.server.domain;
  return {
    ...command,
    formType: NS.admin,
    allowed: (requester: Jid) => requester.domain === domain && admins.has(requester.bare().toString()),
  };
}
