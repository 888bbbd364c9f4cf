import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');

interface Tune { from: string; title: string; artist: string }
interface Attempt { type: string; condition?: string; app?: string | null }
interface PepResult {
  error?: string;
  server_caps?: { in_features: boolean; verified_features: string[] | null };
  account_info?: { identities: string[]; features: string[] };
  alice_two_heard?: Tune;
  bob_heard?: Tune;
  later_heard?: Tune;
  precondition?: Attempt;
  bob_reads_presence_node?: Attempt;
  carol_reads_presence_node?: Attempt;
  carol_reads_open_node?: Attempt;
}

describe.skipIf(!python.available)(python.available ? 'PEP with slixmpp' : `PEP with slixmpp (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let result: PepResult;

  beforeAll(async () => {
    server = await startTestServer();
    for (const name of ['alice', 'bob', 'carol']) await addAccount(server, name, 'pep in slixmpp');
    // Bob sees Alice's presence (she approved his subscription); Carol does not.
    const rosters = server.server.context.storage.rosters;
    rosters.putItem('alice@localhost', { jid: 'bob@localhost', subscription: 'from', groups: [] });
    rosters.putItem('bob@localhost', { jid: 'alice@localhost', subscription: 'to', groups: [] });
    const run = await runPythonScript('pep_slixmpp.py', ['127.0.0.1', String(server.c2sPort), 'pep in slixmpp']);
    result = scriptResult<PepResult>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  it('slixmpp finds the server\'s caps in the stream features and verifies them', () => {
    expect(result.server_caps!.in_features).toBe(true);
    expect(result.server_caps!.verified_features).toEqual(expect.arrayContaining(['http://jabber.org/protocol/disco#info', 'urn:xmpp:ping']));
  });

  it('the bare JID says PEP with publish-options', () => {
    expect(result.account_info!.identities).toContain('pubsub/pep');
    expect(result.account_info!.features).toEqual(expect.arrayContaining([
      'http://jabber.org/protocol/pubsub#publish-options', 'urn:xmpp:bookmarks:1#compat']));
  });

  it('a tune published on one resource reaches the other resource and a contact, by their caps', () => {
    const tune = { from: 'alice@localhost', title: 'Feeling Good', artist: 'Nina Simone' };
    expect(result.alice_two_heard).toEqual(tune);
    expect(result.bob_heard).toEqual(tune);
  });

  it('publish-options the node does not meet are refused with precondition-not-met', () => {
    expect(result.precondition).toEqual({ type: 'error', condition: 'conflict', app: 'precondition-not-met' });
  });

  it('a presence node is for contacts; an open node for anyone', () => {
    expect(result.bob_reads_presence_node).toEqual({ type: 'result' });
    expect(result.carol_reads_presence_node).toEqual({ type: 'error', condition: 'not-authorized', app: 'presence-subscription-required' });
    expect(result.carol_reads_open_node).toEqual({ type: 'result' });
  });

  it('a resource that comes online later gets the last tune', () => {
    expect(result.later_heard).toEqual({ from: 'alice@localhost', title: 'Feeling Good', artist: 'Nina Simone' });
  });
});
