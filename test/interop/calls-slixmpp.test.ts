import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import { turnAllocate } from '../helpers/turn-client.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');

const ROOM = 'calls@conference.localhost';
const SECRET = 'slixmpp calls secret';

interface Received { kind: string; from?: string; id?: string; condition?: string | null }
interface CallsResult {
  error?: string;
  services?: Record<string, string>[];
  services_outside_rooms?: Record<string, string>[];
  services_again?: Record<string, string>[];
  bob_after_error_propose?: { kind: string };
  carol_left_over?: string[][];
  bob_received?: Received;
  alice_received?: Received;
  carol_received?: Received;
  alice_jid?: string;
  bob_jid?: string;
}

describe.skipIf(!python.available)(python.available ? 'slixmpp calls' : `slixmpp calls (skipped: ${python.reason})`, () => {
  let coturn: Coturn;
  let server: TestServer;
  let result: CallsResult;

  beforeAll(async () => {
    coturn = await startCoturn(SECRET);
    server = await startTestServer({
      tls: { require_encryption: true },
      calls: { turn_uri: `turn:127.0.0.1:${coturn.port}?transport=udp`, turn_secret: SECRET },
      muc: { anonymous_can_create_rooms: true },
    });
    const run = await runPythonScript('calls_slixmpp.py', ['127.0.0.1', String(server.c2sPort), 'anon.localhost', ROOM]);
    result = scriptResult<CallsResult>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await coturn?.stop();
  });

  it('a slixmpp guest in a room gets a TURN service whose credentials coturn accepts, the same when it asks again', async () => {
    expect(result.services).toHaveLength(1);
    const turn = result.services![0]!;
    expect(turn).toMatchObject({ type: 'turn', host: '127.0.0.1', port: String(coturn.port), transport: 'udp', restricted: '1' });
    expect(result.services_again).toEqual(result.services);
    expect(await turnAllocate(coturn.port, turn.username!, turn.password!)).toMatchObject({ ok: true });
  });

  it('a slixmpp guest in no room gets no TURN service', () => {
    expect(result.services_outside_rooms).toEqual([]);
  });

  it('guests who share a room call each other with slixmpp (XEP-0353 propose, proceed)', () => {
    expect(result.bob_received).toEqual({ kind: 'propose', from: result.alice_jid, id: 'call-1' });
    expect(result.alice_received).toEqual({ kind: 'proceed', from: result.bob_jid, id: 'call-1' });
  });

  it('a guest who shares no room with the callee is refused', () => {
    expect(result.carol_received).toEqual({ kind: 'error', condition: 'forbidden' });
  });

  it('the same propose sent as an error message is dropped: the callee gets only the chat message after it', () => {
    expect(result.bob_after_error_propose).toEqual({ kind: 'marker' });
  });

  it('the refusal does not quote the propose (slixmpp would ring the caller) and an error message gets no answer', () => {
    expect(result.carol_left_over).toEqual([]);
  });
});
