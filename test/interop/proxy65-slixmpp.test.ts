import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

// These tests need slixmpp: without it they fail, they never skip.
const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');
if (!python.available) throw new Error(`proxy interop needs slixmpp: ${python.reason}`);

const SIZE = 1_000_000;

interface Result {
  error?: string;
  proxies: Record<string, [string, number]>;
  handshake: boolean;
  sent_sha256: string;
  received_sha256: string;
  received_bytes: number;
}

describe('a file sent through the SOCKS5 proxy by slixmpp (XEP-0065)', () => {
  let server: TestServer;
  let result: Result;

  beforeAll(async () => {
    server = await startTestServer({ proxy: { listen: '127.0.0.1:0' } });
    await addAccount(server, 'alice', 'alice secret');
    await addAccount(server, 'bob', 'bob secret');
    const run = await runPythonScript('proxy65_slixmpp.py', [
      '127.0.0.1', String(server.c2sPort), 'alice@localhost', 'alice secret', 'bob@localhost', 'bob secret', String(SIZE),
    ], 90_000);
    result = scriptResult<Result>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('finds the proxy through disco and gets its address', () => {
    expect(result.proxies).toEqual({ 'proxy.localhost': ['127.0.0.1', server.server.addresses.proxy!.port] });
  });

  it('relays the bytes intact once the initiator activates the stream', () => {
    expect(result.handshake).toBe(true);
    expect(result.received_bytes).toBe(SIZE);
    expect(result.received_sha256).toBe(result.sent_sha256);
  });
});
