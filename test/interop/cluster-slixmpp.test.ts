import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';

/** Not skipped when slixmpp is missing: a cluster test that cannot run fails. */
const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');

interface Received { from: string; body: string }
interface Result { error?: string; account_received?: Received; guest_received?: Received; guest_jid?: string; ping?: boolean }

describe('slixmpp on two cluster nodes', () => {
  let cluster: TestCluster;
  let result: Result;

  beforeAll(async () => {
    if (!python.available) throw new Error(python.reason);
    cluster = await startTestCluster(['slix-a', 'slix-b'], { server: { auth: 'insecure' } });
    const [a, b] = cluster.nodes;
    const run = await runPythonScript('cluster_slixmpp.py', ['127.0.0.1', String(a!.c2sPort), String(b!.c2sPort), 'uma@localhost/slixmpp', 'password', 'anon.localhost']);
    result = scriptResult<Result>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => cluster?.stop());

  it('a guest on one node and an account holder on another exchange messages and a ping', () => {
    expect(result.account_received).toEqual({ from: result.guest_jid, body: 'hello across nodes' });
    expect(result.guest_received).toEqual({ from: 'uma@localhost/slixmpp', body: 'hello back' });
    expect(result.ping).toBe(true);
  });
});
