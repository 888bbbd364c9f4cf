import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['nbxmpp', 'gi'], 'python3-nbxmpp');

interface StepOutcome {
  type: string;
  condition?: string;
  identities?: string[];
  features?: string[];
  items?: string[];
  storage?: boolean;
  ver?: string | null;
}
interface NbxmppResult {
  error?: string;
  signed_in?: { jid: string; secure: boolean; connection: string; mechanism: string | null; csi_offered: boolean };
  steps: Record<string, StepOutcome>;
  unanswered: string[];
}

describe.skipIf(!python.available)(python.available ? 'Gajim (nbxmpp)' : `Gajim (nbxmpp) (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let result: NbxmppResult;

  beforeAll(async () => {
    // As deployed: no SASL before TLS, so signing in proves STARTTLS and SCRAM.
    server = await startTestServer({ tls: { require_encryption: true } });
    await addAccount(server, 'juliet', 'gajim user pw');
    const run = await runPythonScript('nbxmpp_client.py', ['127.0.0.1', String(server.c2sPort), 'juliet', 'localhost', 'gajim user pw']);
    result = scriptResult<NbxmppResult>(run);
    if (result.error) throw new Error(`nbxmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  it('Gajim signs in over STARTTLS with SCRAM', () => {
    expect(result.signed_in).toMatchObject({ jid: 'juliet@localhost/gajim.interop', secure: true, csi_offered: true });
    expect(result.signed_in!.mechanism).toMatch(/^SCRAM-SHA-/);
  });

  it('Gajim discovers the server, its services and the account', () => {
    const { server_info: info, server_items: items, account_info: account } = result.steps;
    expect(info).toMatchObject({ type: 'result' });
    expect(info!.identities).toContain('server/im');
    expect(info!.features).toEqual(expect.arrayContaining(['urn:xmpp:carbons:2', 'vcard-temp', 'urn:xmpp:ping']));
    expect(items).toMatchObject({ type: 'result' });
    expect(items!.items).toContain('conference.localhost');
    expect(account).toMatchObject({ type: 'result' });
    expect(account!.identities).toContain('account/registered');
  });

  it('Gajim enables carbons and reads its bookmarks from private storage', () => {
    expect(result.steps.carbons).toEqual({ type: 'result' });
    expect(result.steps.bookmarks).toEqual({ type: 'result', storage: true });
  });

  it('Gajim fetches its own vCard for its avatar', () => {
    expect(result.steps.own_vcard).toEqual({ type: 'result' });
  });

  it('Gajim fetches its roster with roster versioning', () => {
    expect(result.steps.roster).toMatchObject({ type: 'result' });
  });

  it('Gajim sends its initial presence with entity caps and the stream stays healthy', () => {
    expect(result.steps.presence).toEqual({ type: 'sent' });
    expect(result.steps.ping_after_presence).toEqual({ type: 'result' });
  });

  it('every request Gajim made was answered', () => {
    expect(result.unanswered).toEqual([]);
    for (const [step, outcome] of Object.entries(result.steps)) {
      expect({ step, type: outcome.type }).not.toMatchObject({ type: 'timeout' });
    }
  });
});
