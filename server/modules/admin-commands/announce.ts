import { NS } from '../../xml/namespaces.js';
import type { ServerContext } from '../../core/context.js';
import { buildForm } from '../ad-hoc/forms.js';
import { badPayload } from '../ad-hoc/errors.js';
import { MAX_ANNOUNCEMENT_LENGTH, serverHeadline } from '../motd/message-of-the-day.js';
import { ADMIN_NODE_PREFIX, type AdminCommand } from './context.js';

/** XEP-0133 §4.23: a headline from the server to every session online now, guests included. */
export function announceCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}announce`,
    name: 'Send announcement to all online users',
    start: () => ({
      status: 'executing',
      form: buildForm('form', {
        title: 'Making an announcement',
        instructions: 'Everyone online now, guests included, gets this message.',
        formType: NS.admin,
        fields: [
          { var: 'subject', type: 'text-single', label: 'Subject' },
          { var: 'announcement', type: 'text-multi', label: 'Announcement', required: true },
        ],
      }),
    }),
    submit: (_requester, form) => {
      const text = announcementText(form.requiredText('announcement', 'The announcement'));
      const sent = sendToEveryone(server, form.text('subject').trim() || 'Announcement', text);
      return { status: 'completed', notes: [{ type: 'info', text: `Sent to ${sent} ${sent === 1 ? 'session' : 'sessions'}.` }] };
    },
  };
}

export function announcementText(text: string): string {
  if (text.length > MAX_ANNOUNCEMENT_LENGTH) throw badPayload(`an announcement has at most ${MAX_ANNOUNCEMENT_LENGTH} characters`);
  return text;
}

/** Sends a headline to every bound session on this server; returns how many. */
export function sendToEveryone(server: ServerContext, subject: string, text: string): number {
  const domain = server.config.server.domain;
  let sent = 0;
  for (const session of [...server.sessions.all()]) {
    sent += server.router.deliverTo(session.jid, serverHeadline(domain, session.jid.toString(), subject, text));
  }
  return sent;
}
