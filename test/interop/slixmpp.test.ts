import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');

interface SignIn { jid: string; starttls: boolean; mechanism: string }
interface Received { from: string; body: string }
interface SlixmppResult {
  error?: string;
  alice?: SignIn;
  bob?: SignIn;
  guest?: SignIn;
  bob_received?: Received;
  alice_received?: Received;
  roster?: { type: string; items?: number; condition?: string };
}

describe.skipIf(!python.available)(python.available ? 'slixmpp' : `slixmpp (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let result: SlixmppResult;

  beforeAll(async () => {
    // As deployed: no SASL before TLS, so signing in proves STARTTLS and SCRAM.
    server = await startTestServer({ tls: { require_encryption: true } });
    await addAccount(server, 'alice', 'alice in slixmpp');
    await addAccount(server, 'bob', 'bob in slixmpp');
    const run = await runPythonScript('slixmpp_client.py', [
      '127.0.0.1', String(server.c2sPort),
      'alice@localhost/slixmpp', 'alice in slixmpp',
      'bob@localhost/slixmpp', 'bob in slixmpp',
      'anon.localhost',
    ]);
    result = scriptResult<SlixmppResult>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  it('an account holder signs in with slixmpp over STARTTLS with SCRAM', () => {
    for (const account of [result.alice!, result.bob!]) {
      expect(account.starttls).toBe(true);
      expect(account.mechanism).toMatch(/^SCRAM-SHA-/);
    }
    expect(result.alice!.jid).toBe('alice@localhost/slixmpp');
  });

  it('a slixmpp user sends a chat message to another', () => {
    expect(result.bob_received).toEqual({ from: 'alice@localhost/slixmpp', body: 'hello from slixmpp' });
  });

  it('a slixmpp user gets their roster', () => {
    expect(result.roster).toMatchObject({ type: 'result' });
  });

  it('a guest signs in anonymously with slixmpp and messages an account holder', () => {
    expect(result.guest!.mechanism).toBe('ANONYMOUS');
    expect(result.guest!.jid).toMatch(/@anon\.localhost\//);
    expect(result.alice_received).toEqual({ from: result.guest!.jid, body: 'hello from a guest' });
  });
});
