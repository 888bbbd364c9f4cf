/**
 * Account holders' names against guests (issue 16, item 8). With [muc].reserve_account_names a
 * guest cannot take an account's username in any room (the bug: a guest called alice made
 * alice@localhost join as alice_); a nickname registered in a room (XEP-0045 §7.10) is kept
 * from guests too. The account side is Gajim's library, nbxmpp (test/interop/nbxmpp_join.py);
 * the guest is @xmpp/client, anonymous, as the web page's guests are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['nbxmpp', 'gi'], 'python3-nbxmpp');
const ROOM = 'lobby@conference.localhost';
const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_REGISTER = 'jabber:iq:register';
const ACCOUNT_NAME_TEXT = 'this nickname belongs to a registered user of this server';

interface JoinOutcome { nick?: string; refused?: { condition: string; text: string }; error?: string }

describe.skipIf(!python.available)(python.available ? 'account holders’ names and guests (nbxmpp)' : `account holders’ names and guests (skipped: ${python.reason})`, () => {
  let server: TestServer;
  const guests: XmppClient[] = [];

  async function gajimJoins(username: string, nick: string): Promise<JoinOutcome> {
    const run = await runPythonScript('nbxmpp_join.py',
      ['127.0.0.1', String(server.c2sPort), username, 'localhost', `${username} pw`, ROOM, nick]);
    const outcome = scriptResult<JoinOutcome>(run);
    if (outcome.error) throw new Error(`nbxmpp failed: ${outcome.error}\n${run.stderr.slice(-4000)}`);
    return outcome;
  }

  async function guest(): Promise<XmppClient> {
    const client = await connectClient({ port: server.c2sPort });
    guests.push(client);
    return client;
  }

  /** The guest's join as `nick`: the nickname it got, or its error's condition and text. */
  async function guestJoins(client: XmppClient, nick: string): Promise<{ nick?: string; condition?: string; text?: string }> {
    const answer = nextStanza(client, (stanza) => stanza.is('presence') && String(stanza.attrs.from).startsWith(`${ROOM}/`)
      && (stanza.attrs.type === 'error' || stanza.getChild('x', `${NS_MUC}#user`)?.getChildren('status').some((s: { attrs: { code: string } }) => s.attrs.code === '110')));
    await client.send(xml('presence', { to: `${ROOM}/${nick}` }, xml('x', { xmlns: NS_MUC })));
    const stanza = await answer;
    if (stanza.attrs.type !== 'error') return { nick: String(stanza.attrs.from).split('/')[1] };
    const error = stanza.getChild('error');
    return { condition: error.children.find((c: { attrs: { xmlns?: string }; name: string }) => c.name !== 'text' && c.attrs.xmlns)?.name, text: error.getChildText('text') };
  }

  beforeAll(async () => {
    server = await startTestServer({
      tls: { require_encryption: true },
      server: { admins: ['alice@localhost'] },
      muc: { reserve_account_names: true },
      channels: [{ name: 'lobby', title: 'Lobby' }],
    });
    await addAccount(server, 'alice', 'alice pw');
    await addAccount(server, 'bob', 'bob pw');
  }, 30_000);
  afterAll(async () => {
    for (const client of guests) await client.stop().catch(() => {});
    await server?.stop();
  });

  it('refuses a guest an account holder’s name, in any case, with a conflict the page can show', async () => {
    const client = await guest();
    expect(await guestJoins(client, 'alice')).toEqual({ condition: 'conflict', text: ACCOUNT_NAME_TEXT });
    expect(await guestJoins(client, 'Alice')).toEqual({ condition: 'conflict', text: ACCOUNT_NAME_TEXT });
    expect(await guestJoins(client, 'Alicia')).toEqual({ nick: 'Alicia' });
  });

  it('lets the account holder in Gajim join under their own name', async () => {
    expect(await gajimJoins('alice', 'alice')).toEqual({ nick: 'alice' });
  }, 60_000);

  it('refuses another account holder that name too, and Gajim reads the text', async () => {
    expect(await gajimJoins('bob', 'ALICE')).toEqual({ refused: { condition: 'conflict', text: ACCOUNT_NAME_TEXT } });
  }, 60_000);

  it('refuses a guest who renames themselves to it', async () => {
    const client = await guest();
    expect(await guestJoins(client, 'Someone')).toEqual({ nick: 'Someone' });
    expect(await guestJoins(client, 'bob')).toEqual({ condition: 'conflict', text: ACCOUNT_NAME_TEXT });
  });

  it('keeps a nickname registered in the room (XEP-0045 §7.10) from guests', async () => {
    const alice = await connectClient({ port: server.c2sPort, username: 'alice', password: 'alice pw' });
    guests.push(alice);
    await alice.iqCaller.request(xml('iq', { type: 'set', to: ROOM },
      xml('query', { xmlns: NS_REGISTER },
        xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
          xml('field', { var: 'FORM_TYPE' }, xml('value', {}, 'http://jabber.org/protocol/muc#register')),
          xml('field', { var: 'muc#register_roomnick' }, xml('value', {}, 'Queen'))))));
    const client = await guest();
    expect(await guestJoins(client, 'queen')).toMatchObject({ condition: 'conflict', text: 'this nickname is reserved' });
  });

  it('tells the page’s form before the guest joins', async () => {
    const response = await fetch(`${server.httpUrl}/api/rooms/lobby/nick-available?nick=ALICE`);
    expect(await response.json()).toMatchObject({ available: false, reason: 'reserved' });
  });
});
