import { NS } from '../../xml/namespaces.js';
import { StreamError } from '../../xml/errors.js';
import { tryParseJid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { buildForm } from '../ad-hoc/forms.js';
import { badPayload } from '../ad-hoc/errors.js';
import type { CommandNote } from '../ad-hoc/commands.js';
import { ADMIN_NODE_PREFIX, type AdminCommand } from './context.js';

/** XEP-0133 §4.5: ends the streams of these people (a bare JID: all its resources; a full JID: that one). They may sign in again. */
export function endUserSessionCommand(server: ServerContext): AdminCommand {
  return {
    node: `${ADMIN_NODE_PREFIX}end-user-session`,
    name: 'End user session',
    start: () => ({
      status: 'executing',
      form: buildForm('form', {
        title: 'Ending a user session',
        instructions: 'Whose sessions should end? A bare address ends all of that person’s sessions; one with a resource ends that one.',
        formType: NS.admin,
        fields: [{ var: 'accountjids', type: 'jid-multi', label: 'The addresses whose sessions end', required: true }],
      }),
    }),
    submit: (_requester, form) => {
      const wanted = form.values('accountjids').map((value) => value.trim()).filter((value) => value !== '');
      if (wanted.length === 0) throw badPayload('give at least one address');
      const ended: string[] = [];
      const notFound: string[] = [];
      for (const text of wanted) {
        const sessions = sessionsOf(server, text);
        if (sessions.length === 0) {
          notFound.push(text);
          continue;
        }
        for (const session of sessions) session.close(new StreamError('policy-violation', 'An administrator ended this session.'));
        ended.push(text);
      }
      const notes: CommandNote[] = [];
      if (ended.length > 0) notes.push({ type: 'info', text: `Ended the sessions of ${ended.join(', ')}.` });
      if (notFound.length > 0) notes.push({ type: 'warn', text: `Not online here: ${notFound.join(', ')}.` });
      return { status: 'completed', notes };
    },
  };
}

/** The sessions a submitted address names on this server's client hosts (none for anything else). */
function sessionsOf(server: ServerContext, text: string): Session[] {
  const jid = tryParseJid(text);
  if (!jid || jid.local === null || !server.hosts.get(jid.domain)?.acceptsClients) return [];
  if (jid.resource === null) return server.sessions.of(jid);
  const session = server.sessions.get(jid);
  return session ? [session] : [];
}
