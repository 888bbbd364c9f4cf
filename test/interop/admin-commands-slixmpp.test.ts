import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { signIn, type RawXmpp } from '../helpers/raw-xmpp.js';

// These tests need slixmpp: without it they fail, they never skip.
const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');
if (!python.available) throw new Error(`admin commands interop needs slixmpp: ${python.reason}`);

const ADMIN = 'http://jabber.org/protocol/admin';
const node = (name: string) => `${ADMIN}#${name}`;

interface Field { type: string | null; values: string[]; required: boolean }
interface Step {
  status?: string;
  sessionid?: string;
  form_type?: string | null;
  fields?: Record<string, Field>;
  notes?: [string, string][];
  actions?: { execute: string | null; allowed: string[] } | null;
  error?: string;
  command_error?: string | null;
}
type MainResult = Record<string, unknown> & {
  error?: string;
  admin_items: string[];
  admin_info: { identities: string[][]; features: string[] };
  other_items: string[];
  other_info_error: string;
  [step: string]: unknown;
};

interface Headline { subject: string; body: string; from: string; type: string }

function collectHeadlines(client: XmppClient): Headline[] {
  const received: Headline[] = [];
  client.on('stanza', (stanza: any) => {
    if (stanza.is('message') && stanza.attrs.type === 'headline') {
      received.push({ subject: stanza.getChildText('subject'), body: stanza.getChildText('body'), from: stanza.attrs.from, type: stanza.attrs.type });
    }
  });
  return received;
}

async function runPhase(server: TestServer, phase: string, kick = 'bob@localhost'): Promise<MainResult> {
  const run = await runPythonScript('admin_commands_slixmpp.py', [
    '127.0.0.1', String(server.c2sPort), 'admin@localhost', 'admin secret', 'carol@localhost', 'carol secret', kick, phase,
  ], 90_000);
  const result = scriptResult<MainResult>(run);
  if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  return result;
}

describe('admin commands from slixmpp (XEP-0050, XEP-0133)', () => {
  let server: TestServer;
  let dataDir: string;
  let guest: XmppClient;
  let guestJid: string;
  let guestHeadlines: Headline[];
  let bob: RawXmpp;
  let result: MainResult;
  const step = (name: string) => result[name] as Step;
  const config = { server: { admins: ['admin@localhost'] } };

  beforeAll(async () => {
    server = await startTestServer(config);
    dataDir = server.dataDir;
    await addAccount(server, 'admin', 'admin secret');
    await addAccount(server, 'carol', 'carol secret');
    await addAccount(server, 'bob', 'bob secret');
    guest = await connectClient({ port: server.c2sPort });
    guestJid = guest.jid!.toString();
    guestHeadlines = collectHeadlines(guest);
    await guest.send(xml('presence'));
    ({ raw: bob } = await signIn({ port: server.c2sPort, username: 'bob', password: 'bob secret', resource: 'phone' }));
    result = await runPhase(server, 'main');
  }, 120_000);
  afterAll(async () => {
    await guest?.stop().catch(() => {});
    await server?.stop();
  });

  it('lists the XEP-0133 commands to an admin, each a command node', () => {
    expect(result.admin_items).toEqual([
      'announce', 'delete-motd', 'edit-motd', 'end-user-session', 'get-online-users-list', 'get-online-users-num', 'set-motd',
    ].map(node));
    expect(result.admin_info.identities).toEqual([['automation', 'command-node']]);
    expect(result.admin_info.features).toEqual(expect.arrayContaining(['http://jabber.org/protocol/commands', 'jabber:x:data']));
  });

  it('shows a non-admin no commands and refuses them with forbidden', () => {
    expect(result.other_items).toEqual([]);
    expect(result.other_info_error).toBe('forbidden');
    expect(step('other_execute')).toMatchObject({ error: 'forbidden' });
    expect(step('other_count')).toMatchObject({ error: 'forbidden' });
  });

  it('counts the people online: admin, carol, bob and the guest', () => {
    const count = step('count');
    expect(count.status).toBe('completed');
    expect(count.sessionid).toBeTruthy();
    expect(count.fields!.onlineusersnum!.values).toEqual(['4']);
    expect(count.fields!.onlineguestsnum!.values).toEqual(['1']);
    expect(count.fields!.onlineaccountsnum!.values).toEqual(['3']);
  });

  it('lists the people online after a max_items form, accounts first', () => {
    expect(step('list_form')).toMatchObject({ status: 'executing', form_type: 'form', actions: { execute: 'complete', allowed: ['complete'] } });
    expect(step('list_form').fields!.max_items!.type).toBe('list-single');
    const list = step('list');
    expect(list.status).toBe('completed');
    expect(list.fields!.onlineuserjids!.values).toEqual(['admin@localhost', 'bob@localhost', 'carol@localhost', guestJid.split('/')[0]]);
  });

  it('keeps a session to the full JID that started it, refuses actions the step does not offer, and ends it when completed', () => {
    expect(step('list_by_other_resource')).toMatchObject({ error: 'bad-request', command_error: 'bad-sessionid' });
    expect(step('list_next')).toMatchObject({ error: 'bad-request', command_error: 'bad-action' });
    expect(step('list_again')).toMatchObject({ error: 'bad-request', command_error: 'bad-sessionid' });
  });

  it('cancels a command, after which its session is gone', () => {
    expect(step('cancel')).toMatchObject({ status: 'canceled' });
    expect(step('after_cancel')).toMatchObject({ error: 'bad-request', command_error: 'bad-sessionid' });
    expect(guestHeadlines.map((headline) => headline.body)).not.toContain('never sent');
  });

  it('announces to everyone online, the guest included; an empty announcement is bad-payload', () => {
    expect(step('announce_form').fields!.announcement).toMatchObject({ type: 'text-multi', required: true });
    expect(step('announce_empty')).toMatchObject({ error: 'bad-request', command_error: 'bad-payload' });
    expect(step('announce')).toMatchObject({ status: 'completed' });
    expect(step('announce').notes![0]![1]).toMatch(/^Sent to \d+ sessions\.$/);
    expect(guestHeadlines).toContainEqual({ subject: 'Maintenance', body: 'The server restarts at noon.\nSorry!', from: 'localhost', type: 'headline' });
  });

  it('sets the message of the day (sent to those online) and edits it (the form shows the current one)', () => {
    expect(step('set_motd')).toMatchObject({ status: 'completed' });
    expect(guestHeadlines).toContainEqual({ subject: 'Message of the day', body: 'First rule: be kind.', from: 'localhost', type: 'headline' });
    expect(step('edit_form').fields!.motd!.values).toEqual(['First rule: be kind.']);
    expect(step('edit_motd')).toMatchObject({ status: 'completed' });
  });

  it('ends a user’s sessions: bob’s stream is closed with a stream error; an offline JID is reported', async () => {
    expect(step('end_session')).toMatchObject({ status: 'completed' });
    expect(step('end_session').notes).toEqual([
      ['info', 'Ended the sessions of bob@localhost.'],
      ['warn', 'Not online here: nobody@localhost.'],
    ]);
    await bob.closed;
    expect(bob.received).toContain('<policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-streams"');
    expect(server.server.context.sessions.of('bob@localhost')).toEqual([]);
  });

  it('shows the message of the day to a new guest when they sign in', async () => {
    const newcomer = await connectClient({ port: server.c2sPort });
    try {
      const motd = nextStanza(newcomer, (stanza) => stanza.is('message') && stanza.attrs.type === 'headline');
      await newcomer.send(xml('presence'));
      const message = await motd;
      expect(message.attrs.from).toBe('localhost');
      expect(message.getChildText('body')).toBe('Be kind.\nHave fun.');
    } finally {
      await newcomer.stop().catch(() => {});
    }
  });

  it('keeps the message of the day across a restart, and deletes it', async () => {
    await guest.stop().catch(() => {});
    await server.stop();
    server = await startTestServer(config, { dataDir });
    const newcomer = await connectClient({ port: server.c2sPort });
    try {
      const motd = nextStanza(newcomer, (stanza) => stanza.is('message') && stanza.attrs.type === 'headline');
      await newcomer.send(xml('presence'));
      expect((await motd).getChildText('body')).toBe('Be kind.\nHave fun.');
    } finally {
      await newcomer.stop().catch(() => {});
    }
    result = await runPhase(server, 'after-restart');
    expect(step('edit_form').fields!.motd!.values).toEqual(['Be kind.', 'Have fun.']);
    expect(step('delete_motd')).toMatchObject({ status: 'completed', notes: [['info', 'Message of the day deleted.']] });
    expect(step('edit_form_after_delete').fields!.motd!.values).toEqual([]);
    const late = await connectClient({ port: server.c2sPort });
    try {
      const motd = nextStanza(late, (stanza) => stanza.is('message') && stanza.attrs.type === 'headline', 1500);
      await late.send(xml('presence'));
      await expect(motd).rejects.toThrow(/timed out/);
    } finally {
      await late.stop().catch(() => {});
    }
  }, 120_000);
});
