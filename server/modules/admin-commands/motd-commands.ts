import { NS } from '../../xml/namespaces.js';
import type { ServerContext } from '../../core/context.js';
import { buildForm, type SubmittedForm } from '../ad-hoc/forms.js';
import type { CommandStep } from '../ad-hoc/commands.js';
import { MOTD } from '../motd/message-of-the-day.js';
import { announcementText, sendToEveryone } from './announce.js';
import { ADMIN_NODE_PREFIX, type AdminCommand } from './context.js';

const MOTD_SUBJECT = 'Message of the day';

function motdForm(title: string, current: string | null): CommandStep {
  return {
    status: 'executing',
    form: buildForm('form', {
      title,
      instructions: 'Everyone gets this message when they sign in, guests included, until it is deleted.',
      formType: NS.admin,
      fields: [{ var: 'motd', type: 'text-multi', label: 'Message of the day', required: true, values: current === null ? [] : current.split('\n') }],
    }),
  };
}

function submittedMotd(form: SubmittedForm): string {
  return announcementText(form.requiredText('motd', 'The message of the day'));
}

/**
 * XEP-0133 §4.24: sets the message and, as the XEP describes, sends it at once to everyone
 * online; whoever signs in later gets it then.
 */
export function setMotdCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}set-motd`,
    name: 'Set message of the day',
    start: () => motdForm('Setting the message of the day', null),
    submit: (_requester, form) => {
      const text = submittedMotd(form);
      server.services.get(MOTD).set(text);
      const sent = sendToEveryone(server, MOTD_SUBJECT, text);
      return { status: 'completed', notes: [{ type: 'info', text: `Message of the day set; sent to the ${sent} ${sent === 1 ? 'session' : 'sessions'} online.` }] };
    },
  };
}

/** XEP-0133 §4.25: corrects the message (the form shows the current one); nobody is messaged again. */
export function editMotdCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}edit-motd`,
    name: 'Edit message of the day',
    start: () => motdForm('Editing the message of the day', server.services.get(MOTD).text),
    submit: (_requester, form) => {
      server.services.get(MOTD).set(submittedMotd(form));
      return { status: 'completed', notes: [{ type: 'info', text: 'Message of the day changed; people get it from their next sign-in.' }] };
    },
  };
}

/** XEP-0133 §4.26: deletes it in one step. */
export function deleteMotdCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}delete-motd`,
    name: 'Delete message of the day',
    start: () => {
      const motd = server.services.get(MOTD);
      const had = motd.text !== null;
      motd.set(null);
      return { status: 'completed', notes: [{ type: 'info', text: had ? 'Message of the day deleted.' : 'There was no message of the day.' }] };
    },
  };
}
