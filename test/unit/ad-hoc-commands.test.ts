import { describe, expect, it } from 'vitest';
import { xml, type Element } from '../../server/xml/element.js';
import { StanzaError } from '../../server/xml/errors.js';
import { NS } from '../../server/xml/namespaces.js';
import { parseJid } from '../../server/jid/jid.js';
import { CommandRegistry, type AdHocCommand } from '../../server/modules/ad-hoc/commands.js';
import { COMMAND_SESSION_TTL_MS, CommandSessions } from '../../server/modules/ad-hoc/sessions.js';
import { buildForm } from '../../server/modules/ad-hoc/forms.js';
import { newCore } from './core-fixture.js';

const NODE = 'urn:example:echo';
const admin = parseJid('admin@example.org/desk');
const stranger = parseJid('someone@example.org/desk');

/** A two-step command: a form, then it echoes the submitted text. */
const echo: AdHocCommand = {
  node: NODE,
  name: 'Echo',
  formType: 'urn:example:form',
  allowed: (requester) => requester.bare().toString() === 'admin@example.org',
  start: () => ({ status: 'executing', form: buildForm('form', { formType: 'urn:example:form', fields: [{ var: 'text', type: 'text-single', required: true }] }) }),
  submit: (_requester, form) => ({ status: 'completed', notes: [{ type: 'info', text: form.requiredText('text', 'text') }] }),
};

function setup() {
  let now = 1_000_000;
  const { host } = newCore();
  const sessions = new CommandSessions(() => now);
  const registry = new CommandRegistry(host, sessions);
  registry.add(echo);
  return { host, registry, sessions, advance: (ms: number) => { now += ms; } };
}

function command(attrs: Record<string, string>, ...children: Element[]): Element {
  return xml('command', { xmlns: NS.adhoc, node: NODE, ...attrs }, ...children);
}

function submitted(text: string, formType = 'urn:example:form'): Element {
  return xml('x', { xmlns: NS.dataForms, type: 'submit' },
    xml('field', { var: 'FORM_TYPE' }, xml('value', {}, formType)),
    xml('field', { var: 'text' }, xml('value', {}, text)));
}

function refusal(run: () => unknown): { condition: string; specific: string | undefined } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof StanzaError)) throw error;
    return { condition: error.condition, specific: error.appCondition?.name };
  }
  throw new Error('expected a refusal');
}

describe('ad-hoc command sessions (XEP-0050)', () => {
  it('runs execute then complete in one session, and the session ends with it', () => {
    const { registry, sessions } = setup();
    const first = registry.handle(admin, command({ action: 'execute' }));
    expect(first.attrs.status).toBe('executing');
    const id = first.attrs.sessionid as string;
    expect(id.length).toBeGreaterThanOrEqual(16);
    expect(sessions.size).toBe(1);
    const done = registry.handle(admin, command({ sessionid: id, action: 'complete' }, submitted('hello')));
    expect(done.attrs).toMatchObject({ status: 'completed', sessionid: id });
    expect(done.getChildText('note')).toBe('hello');
    expect(sessions.size).toBe(0);
  });

  it('expires a session that waited too long', () => {
    const { registry, advance } = setup();
    const id = registry.handle(admin, command({})).attrs.sessionid as string;
    advance(COMMAND_SESSION_TTL_MS + 1);
    expect(refusal(() => registry.handle(admin, command({ sessionid: id, action: 'complete' }, submitted('late')))))
      .toEqual({ condition: 'not-allowed', specific: 'session-expired' });
  });

  it('does not let another resource or user drive the session', () => {
    const { registry } = setup();
    const id = registry.handle(admin, command({})).attrs.sessionid as string;
    expect(refusal(() => registry.handle(parseJid('admin@example.org/phone'), command({ sessionid: id, action: 'complete' }, submitted('x')))))
      .toEqual({ condition: 'bad-request', specific: 'bad-sessionid' });
    expect(refusal(() => registry.handle(stranger, command({ sessionid: id, action: 'complete' }, submitted('x')))))
      .toEqual({ condition: 'forbidden', specific: undefined });
    // The owner still can.
    expect(registry.handle(admin, command({ sessionid: id, action: 'complete' }, submitted('mine'))).attrs.status).toBe('completed');
  });

  it('answers the XEP-0050 errors: unknown node, unknown action, a payload that is not a submitted form of the command', () => {
    const { registry } = setup();
    expect(refusal(() => registry.handle(admin, xml('command', { xmlns: NS.adhoc, node: 'urn:nope' })))).toEqual({ condition: 'item-not-found', specific: undefined });
    expect(refusal(() => registry.handle(admin, xml('command', { xmlns: NS.adhoc })))).toEqual({ condition: 'bad-request', specific: undefined });
    expect(refusal(() => registry.handle(admin, command({ action: 'jump' })))).toEqual({ condition: 'bad-request', specific: 'malformed-action' });
    expect(refusal(() => registry.handle(admin, command({ action: 'cancel' })))).toEqual({ condition: 'bad-request', specific: 'bad-action' });
    const id = registry.handle(admin, command({})).attrs.sessionid as string;
    expect(refusal(() => registry.handle(admin, command({ sessionid: id, action: 'complete' }))))
      .toEqual({ condition: 'bad-request', specific: 'bad-payload' });
    expect(refusal(() => registry.handle(admin, command({ sessionid: id, action: 'complete' }, submitted('x', 'urn:other')))))
      .toEqual({ condition: 'bad-request', specific: 'bad-payload' });
    expect(refusal(() => registry.handle(admin, command({ sessionid: id, action: 'complete' }, submitted('  ')))))
      .toEqual({ condition: 'bad-request', specific: 'bad-payload' });
  });

  it('caps the sessions one requester may hold open', () => {
    const { registry } = setup();
    for (let i = 0; i < 8; i++) registry.handle(admin, command({}));
    expect(refusal(() => registry.handle(admin, command({})))).toEqual({ condition: 'resource-constraint', specific: undefined });
  });

  it('forgets the sessions of a stream that ended', () => {
    const { registry, sessions } = setup();
    const id = registry.handle(admin, command({})).attrs.sessionid as string;
    sessions.closeAllOf(admin.toString());
    expect(refusal(() => registry.handle(admin, command({ sessionid: id, action: 'complete' }, submitted('x')))))
      .toEqual({ condition: 'bad-request', specific: 'bad-sessionid' });
  });

  it('lists only the commands the requester may run, and refuses the node to others', () => {
    const { host } = setup();
    const list = host.discoNodes.get(NS.adhoc)!;
    expect(list.items(admin)).toEqual([{ jid: 'example.org', node: NODE, name: 'Echo' }]);
    expect(list.items(stranger)).toEqual([]);
    expect(host.discoNodes.get(NODE)!.info(admin).identities).toEqual([{ category: 'automation', type: 'command-node', name: 'Echo' }]);
    expect(refusal(() => host.discoNodes.get(NODE)!.info(stranger))).toEqual({ condition: 'forbidden', specific: undefined });
  });
});
