/**
 * XEP-0050 ad-hoc commands on one host, written by hand (no library serves this side of the
 * protocol): the commands list as a disco node, and execute / next / complete / cancel with
 * sessions. A command is a small object that says who may run it, what its first step
 * answers and what a submitted form does; modules add theirs to the host's AD_HOC service.
 */
import { xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import type { Jid } from '../../jid/jid.js';
import type { DiscoNode, Host } from '../../core/host.js';
import { serviceKey } from '../../core/services.js';
import { badAction, malformedAction } from './errors.js';
import { readSubmittedForm, type SubmittedForm } from './forms.js';
import { randomId } from '../../util/random-ids.js';
import type { CommandSessions } from './sessions.js';

export interface CommandNote {
  type: 'info' | 'warn' | 'error';
  text: string;
}

/** What a step answers: a form to fill in (the session goes on), or the end of the command. */
export type CommandStep =
  | { status: 'executing'; form: Element; notes?: CommandNote[] }
  | { status: 'completed'; form?: Element; notes?: CommandNote[] };

export interface AdHocCommand {
  /** The command's node, e.g. http://jabber.org/protocol/admin#announce. */
  node: string;
  /** Its name in the client's list. */
  name: string;
  /** The FORM_TYPE its forms carry; a submitted form with another one is refused. */
  formType: string;
  /** Who may see and run it; everyone else sees no such command and gets forbidden. */
  allowed(requester: Jid): boolean;
  /** The first step: a form, or the result at once. */
  start(requester: Jid): CommandStep;
  /** The requester submitted the form of the step before; may throw a StanzaError. */
  submit?(requester: Jid, form: SubmittedForm): CommandStep;
}

/** The ad-hoc commands of one host (per-host service). */
export interface AdHocCommands {
  add(command: AdHocCommand): void;
}

export const AD_HOC = serviceKey<AdHocCommands>('ad-hoc commands');

const ACTIONS = new Set(['execute', 'next', 'prev', 'complete', 'cancel']);

export class CommandRegistry implements AdHocCommands {
  private readonly commands = new Map<string, AdHocCommand>();

  constructor(private readonly host: Host, private readonly sessions: CommandSessions) {
    host.discoNodes.set(NS.adhoc, this.listNode());
  }

  add(command: AdHocCommand): void {
    if (this.commands.has(command.node)) throw new Error(`${this.host.name}: two ad-hoc commands for ${command.node}`);
    this.commands.set(command.node, command);
    this.host.discoNodes.set(command.node, this.commandNode(command.node));
  }

  /** XEP-0050 §2.2: the commands list node, and one node per command. */
  private listNode(): DiscoNode {
    return {
      info: () => ({ identities: [{ category: 'automation', type: 'command-list', name: 'Commands' }], features: [NS.discoItems] }),
      items: (requester) => [...this.commands.values()]
        .filter((command) => command.allowed(requester))
        .map((command) => ({ jid: this.host.name, node: command.node, name: command.name })),
    };
  }

  private commandNode(node: string): DiscoNode {
    return {
      info: (requester) => {
        this.allowedCommand(node, requester);
        return { identities: [{ category: 'automation', type: 'command-node', name: this.commands.get(node)?.name }], features: [NS.adhoc, NS.dataForms] };
      },
      items: (requester) => {
        this.allowedCommand(node, requester);
        return [];
      },
    };
  }

  /** The iq set <command/>: runs one step and answers with the command's state. */
  handle(requester: Jid, payload: Element): Element {
    const node = payload.attrs.node;
    if (typeof node !== 'string' || node === '') throw new StanzaError('modify', 'bad-request', 'a command needs a node');
    const command = this.allowedCommand(node, requester);
    const action = payload.attrs.action ?? 'execute';
    if (typeof action !== 'string' || !ACTIONS.has(action)) throw malformedAction(String(action));
    const owner = requester.toString();
    const sessionId = payload.attrs.sessionid;

    if (sessionId === undefined || sessionId === '') {
      if (action !== 'execute') throw badAction(`"${action}" needs the sessionid of a command under way`);
      const step = command.start(requester);
      // A command done in one step still gets a sessionid (§4.3), but nothing to keep.
      const id = step.status === 'executing' ? this.sessions.open(node, owner).id : randomId(16);
      return answer(node, id, step);
    }

    const session = this.sessions.find(String(sessionId), node, owner);
    if (action === 'cancel') {
      this.sessions.close(session.id);
      return xml('command', { xmlns: NS.adhoc, node, sessionid: session.id, status: 'canceled' });
    }
    // Every form step of these commands is the last one: it is completed, never moved back or on.
    if (action === 'prev' || action === 'next') throw badAction(`this step can only be completed or cancelled, not "${action}"`);
    if (!command.submit) throw badAction('this command has no form to submit');
    const step = command.submit(requester, readSubmittedForm(payload, command.formType));
    if (step.status === 'completed') this.sessions.close(session.id);
    return answer(node, session.id, step);
  }

  private allowedCommand(node: string, requester: Jid): AdHocCommand {
    const command = this.commands.get(node);
    if (!command) throw new StanzaError('cancel', 'item-not-found', 'no such command');
    if (!command.allowed(requester)) throw new StanzaError('cancel', 'forbidden', 'this command is for the server’s administrators');
    return command;
  }
}

function answer(node: string, sessionid: string, step: CommandStep): Element {
  return xml('command', { xmlns: NS.adhoc, node, sessionid, status: step.status },
    step.status === 'executing' && xml('actions', { execute: 'complete' }, xml('complete')),
    ...(step.notes ?? []).map((note) => xml('note', { type: note.type }, note.text)),
    step.form);
}
