import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');

interface SmResult {
  error?: string;
  enabled?: { resumable: boolean; id_length: number };
  acked?: string[];
  bob_received?: string[];
  alice_received?: { from: string; body: string };
  alice_jid_after?: string;
}

describe.skipIf(!python.available)(python.available ? 'slixmpp stream management' : `slixmpp stream management (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let result: SmResult;

  beforeAll(async () => {
    server = await startTestServer({ tls: { require_encryption: true } });
    await addAccount(server, 'alice', 'alice in slixmpp');
    await addAccount(server, 'bob', 'bob in slixmpp');
    const run = await runPythonScript('stream_management_slixmpp.py', [
      '127.0.0.1', String(server.c2sPort),
      'alice@localhost/phone', 'alice in slixmpp',
      'bob@localhost/desk', 'bob in slixmpp',
    ]);
    result = scriptResult<SmResult>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  it('enables resumable stream management and acknowledges what the client sent', () => {
    expect(result.enabled).toEqual({ resumable: true, id_length: 32 });
    expect(result.acked).toEqual(['acked one', 'acked two']);
    expect(result.bob_received).toEqual(['acked one', 'acked two']);
  });

  it('resumes after the TCP connection is cut, with the message sent meanwhile', () => {
    expect(result.alice_received).toEqual({ from: 'bob@localhost/desk', body: 'while you were offline' });
    expect(result.alice_jid_after).toBe('alice@localhost/phone');
  });
});
