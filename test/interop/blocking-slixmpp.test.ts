import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

// These tests need slixmpp: without it they fail, they never skip.
const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');
if (!python.available) throw new Error(`blocking interop needs slixmpp: ${python.reason}`);

interface Exchange { received: string | null; sender_error: string[] | null }
type Result = Record<string, unknown> & { error?: string };

describe('blocking command from slixmpp (XEP-0191)', () => {
  let server: TestServer;
  let result: Result;

  beforeAll(async () => {
    server = await startTestServer();
    await addAccount(server, 'alice', 'alice secret');
    await addAccount(server, 'bob', 'bob secret');
    const run = await runPythonScript('blocking_slixmpp.py', [
      '127.0.0.1', String(server.c2sPort), 'alice@localhost', 'alice secret', 'bob@localhost', 'bob secret',
    ], 90_000);
    result = scriptResult<Result>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('advertises the feature and starts with an empty list', () => {
    expect(result.feature).toBe(true);
    expect(result.list_empty).toEqual([]);
    expect(result.before).toEqual<Exchange>({ received: 'before the block', sender_error: null });
  });

  it('blocks, lists and pushes the change to the other resource', () => {
    expect(result.push_block).toEqual(['block', ['bob@localhost']]);
    expect(result.list_blocked).toEqual(['bob@localhost']);
  });

  it('refuses messages both ways: service-unavailable in, not-acceptable with <blocked/> out', () => {
    expect(result.message_in).toEqual<Exchange>({ received: null, sender_error: ['service-unavailable'] });
    expect(result.message_out).toEqual<Exchange>({ received: null, sender_error: ['blocked', 'not-acceptable'] });
  });

  it('refuses iqs both ways', () => {
    expect(result.iq_in).toEqual(['service-unavailable']);
    expect(result.iq_out).toEqual(['blocked', 'not-acceptable']);
  });

  it('drops presence both ways', () => {
    expect(result.presence_before).toBe(true);
    expect(result.presence_in).toBe(false);
    expect(result.presence_out).toBe(false);
  });

  it('unblocks: pushed, listed empty, messages and iqs flow again', () => {
    expect(result.push_unblock).toEqual(['unblock', ['bob@localhost']]);
    expect(result.list_after).toEqual([]);
    expect(result.after).toEqual<Exchange>({ received: 'after the unblock', sender_error: null });
    expect(result.iq_after).toBeNull();
  });
});
