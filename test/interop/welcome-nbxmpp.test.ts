/**
 * A [[channels]] room's welcome text as Gajim's library, nbxmpp, parses it
 * (test/interop/nbxmpp_welcome.py): a message from the room's own nickname, stamped as
 * history, after the subject, with no stanza-id that the archive would not know. From the bare
 * room JID it made Gajim 1.7.3 throw (issue 16): Gajim looks its author up by the resource.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['nbxmpp', 'gi'], 'python3-nbxmpp');
const WELCOME = 'Welcome! Be kind.';

interface Parsed {
  from: string; resource: string | null; body: string | null; is_muc_subject: boolean; from_muc: boolean; muc_jid: string | null;
  muc_nickname: string | null; user_timestamp: number | null; has_server_delay: boolean; timestamp: number;
  stanza_ids: { id: string; by: string }[]; is_mam_message: boolean;
}

describe.skipIf(!python.available)(python.available ? 'Gajim (nbxmpp) and a channel welcome' : `Gajim (nbxmpp) and a channel welcome (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let messages: Parsed[];
  let present: string[];

  beforeAll(async () => {
    server = await startTestServer({
      tls: { require_encryption: true },
      channels: [{ name: 'lobby', title: 'Lobby', welcome: WELCOME }],
    });
    await addAccount(server, 'juliet', 'gajim welcome pw');
    const run = await runPythonScript('nbxmpp_welcome.py',
      ['127.0.0.1', String(server.c2sPort), 'juliet', 'localhost', 'gajim welcome pw', 'lobby@conference.localhost', 'Juliet']);
    const result = scriptResult<{ error?: string; messages: Parsed[]; present: string[] }>(run);
    if (result.error) throw new Error(`nbxmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
    ({ messages, present } = result);
  }, 90_000);
  afterAll(() => server?.stop());

  it('parses the welcome as a message from a nickname of the room, filed with its history', () => {
    const welcome = messages.find((m) => m.body === WELCOME);
    expect(welcome, JSON.stringify(messages)).toBeDefined();
    // What Gajim 1.7.3 needs not to throw: an author to look up by the resource.
    expect(welcome!.resource).toBeTruthy();
    expect(welcome).toMatchObject({
      from: 'lobby@conference.localhost/Welcome',
      resource: 'Welcome',
      from_muc: true,
      muc_jid: 'lobby@conference.localhost',
      muc_nickname: 'Welcome',
      is_muc_subject: false,
      is_mam_message: false,
      stanza_ids: [],
      // The <delay/> from the room is read as room history is (XEP-0045 §7.2.15): a delay
      // stamped by the room, whose time becomes the message's.
      has_server_delay: true,
      user_timestamp: null,
    });
    expect(welcome!.timestamp).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(welcome!.timestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
  });

  it('lists no occupant for the welcome\'s author: the room sends no presence for it', () => {
    expect(present).toEqual(['Juliet']);
  });

  it('sends it once, after the subject that ends the join', () => {
    expect(messages.filter((m) => m.body === WELCOME)).toHaveLength(1);
    const subject = messages.findIndex((m) => m.is_muc_subject);
    expect(subject).toBeGreaterThanOrEqual(0);
    expect(messages.findIndex((m) => m.body === WELCOME)).toBeGreaterThan(subject);
  });
});
