import { NS } from '../../xml/namespaces.js';
import type { ServerContext } from '../../core/context.js';
import type { SessionRegistry } from '../../core/sessions.js';
import { buildForm } from '../ad-hoc/forms.js';
import { badPayload } from '../ad-hoc/errors.js';
import { ADMIN_NODE_PREFIX, type AdminCommand } from './context.js';

const MAX_ITEMS_CHOICES = ['25', '50', '75', '100', '150', '200'] as const;
const NO_MAXIMUM = 'none';

interface OnlineUsers {
  accounts: string[];
  guests: string[];
}

/** The bare JIDs with at least one bound session, account holders and guests apart, sorted. */
function onlineUsers(sessions: SessionRegistry): OnlineUsers {
  const accounts = new Set<string>();
  const guests = new Set<string>();
  for (const session of sessions.all()) (session.isGuest ? guests : accounts).add(session.bare.toString());
  return { accounts: [...accounts].sort(), guests: [...guests].sort() };
}

/** XEP-0133 §4.15: how many people are online (one each, however many resources). */
export function onlineUsersCountCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}get-online-users-num`,
    name: 'Get number of online users',
    start: () => {
      const { accounts, guests } = onlineUsers(server.sessions);
      return {
        status: 'completed',
        form: buildForm('result', {
          formType: NS.admin,
          fields: [
            { var: 'onlineusersnum', type: 'text-single', label: 'The number of online users', values: [String(accounts.length + guests.length)] },
            { var: 'onlineaccountsnum', type: 'text-single', label: 'Of whom signed in with an account', values: [String(accounts.length)] },
            { var: 'onlineguestsnum', type: 'text-single', label: 'Of whom guests', values: [String(guests.length)] },
          ],
        }),
      };
    },
  };
}

/** XEP-0133 §4.20: who is online, account holders first, up to the number asked for. */
export function onlineUsersListCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}get-online-users-list`,
    name: 'Get list of online users',
    start: () => ({
      status: 'executing',
      form: buildForm('form', {
        title: 'Requesting the list of online users',
        instructions: 'How many people should be listed at most?',
        formType: NS.admin,
        fields: [{
          var: 'max_items',
          type: 'list-single',
          label: 'Maximum number of items to show',
          values: [MAX_ITEMS_CHOICES[0]],
          options: [...MAX_ITEMS_CHOICES, NO_MAXIMUM].map((value) => ({ label: value === NO_MAXIMUM ? 'None' : value, value })),
        }],
      }),
    }),
    submit: (_requester, form) => {
      const max = maxItems(form.text('max_items'));
      const { accounts, guests } = onlineUsers(server.sessions);
      const everyone = [...accounts, ...guests];
      const listed = everyone.slice(0, max);
      return {
        status: 'completed',
        notes: listed.length < everyone.length ? [{ type: 'info', text: `Showing ${listed.length} of ${everyone.length}.` }] : [],
        form: buildForm('result', {
          formType: NS.admin,
          fields: [{ var: 'onlineuserjids', type: 'jid-multi', label: 'The list of all online users', values: listed }],
        }),
      };
    },
  };
}

function maxItems(value: string): number {
  if (value === '' || value === NO_MAXIMUM) return Number.POSITIVE_INFINITY;
  if (!/^[1-9]\d{0,6}$/.test(value)) throw badPayload('max_items must be a number or "none"');
  return Number(value);
}
