import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { signIn } from '../helpers/raw-xmpp.js';

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

  it('answers signed-in users only the streamhost, and activates no stream that is not theirs', async () => {
    const { raw } = await signIn({ port: server.c2sPort });
    try {
      raw.write("<iq type='get' id='q1' to='proxy.localhost'><query xmlns='http://jabber.org/protocol/bytestreams'/></iq>");
      const streamhost = (await raw.next('iq')).getChild('query')!.getChild('streamhost')!;
      expect(streamhost.attrs).toMatchObject({ jid: 'proxy.localhost', host: '127.0.0.1', port: String(server.server.addresses.proxy!.port) });
      raw.write("<iq type='set' id='a1' to='proxy.localhost'><query xmlns='http://jabber.org/protocol/bytestreams' sid='nope'><activate>bob@localhost/files</activate></query></iq>");
      const refused = await raw.next('iq');
      expect(refused.attrs.type).toBe('error');
      expect(refused.getChild('error')!.getChildElements()[0]!.name).toBe('item-not-found');
      raw.write("<iq type='set' id='a2' to='proxy.localhost'><query xmlns='http://jabber.org/protocol/bytestreams'><activate>bob@localhost/files</activate></query></iq>");
      expect((await raw.next('iq')).getChild('error')!.getChildElements()[0]!.name).toBe('bad-request');
      raw.write("<iq type='get' id='d1' to='proxy.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
      const identity = (await raw.next('iq')).getChild('query')!.getChild('identity')!;
      expect(identity.attrs).toMatchObject({ category: 'proxy', type: 'bytestreams' });
    } finally {
      raw.destroy();
    }
  });
});
