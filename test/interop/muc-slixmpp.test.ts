import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');

const ROOM = 'interop@conference.localhost';

interface Message { from: string; body: string; stanza_id: string | null; stanza_id_by: string | null; delay_from: string | null }
interface Joined { codes: number[]; role: string; affiliation: string; history: Message[]; occupants: string[] }
interface MucResult {
  error?: string;
  owner_join?: Joined;
  owner_echoes?: Message[];
  guest_join?: Joined;
  owner_received?: Message;
  quiet_join?: Joined;
}

describe.skipIf(!python.available)(python.available ? 'slixmpp in rooms' : `slixmpp in rooms (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let result: MucResult;

  beforeAll(async () => {
    server = await startTestServer({ tls: { require_encryption: true } });
    await addAccount(server, 'owner', 'owner in slixmpp');
    const run = await runPythonScript('muc_slixmpp.py', [
      '127.0.0.1', String(server.c2sPort), 'owner@localhost/slixmpp', 'owner in slixmpp', 'anon.localhost', ROOM,
    ]);
    result = scriptResult<MucResult>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  it('an account holder creates a room by joining it with slixmpp', () => {
    expect(result.owner_join).toMatchObject({ role: 'moderator', affiliation: 'owner' });
    expect(result.owner_join!.codes).toEqual(expect.arrayContaining([110, 201]));
  });

  it('slixmpp messages come back to the sender with a stanza-id by the room', () => {
    expect(result.owner_echoes!.map((message) => message.body)).toEqual(['first message', 'second message']);
    for (const echo of result.owner_echoes!) {
      expect(echo.from).toBe(`${ROOM}/Owner`);
      expect(echo.stanza_id_by).toBe(ROOM);
    }
  });

  it('a slixmpp guest joins and gets the history with delays from the room and the live stanza-ids', () => {
    const joined = result.guest_join!;
    expect(joined).toMatchObject({ role: 'participant', affiliation: 'none' });
    expect(joined.codes).not.toContain(201);
    expect(joined.occupants).toContain(`${ROOM}/Owner`);
    expect(joined.history.map((message) => message.body)).toEqual(['first message', 'second message']);
    for (const [i, old] of joined.history.entries()) {
      expect(old.delay_from).toBe(ROOM);
      expect(old.stanza_id).toBe(result.owner_echoes![i]!.stanza_id);
    }
  });

  it('the slixmpp guest talks to the room', () => {
    expect(result.owner_received).toMatchObject({ from: `${ROOM}/Guest`, body: 'hello from a slixmpp guest', stanza_id_by: ROOM });
  });

  it('asking for no history (maxchars=0) gets none', () => {
    expect(result.quiet_join!.history).toEqual([]);
  });
});
