/** Strophe.js from npm in Node (test/helpers/strophe.ts), against one server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, nextStanza, xml } from '../helpers/clients.js';
import { $msg, connectAnonymously, disconnected, nextMessageBody } from '../helpers/strophe.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

describe('Strophe.js', () => {
  for (const transport of ['BOSH', 'WebSocket'] as const) {
    it(`a guest signs in anonymously over ${transport} and exchanges messages with a TCP user`, async () => {
      const service = transport === 'BOSH' ? `${server.httpUrl}/http-bind` : `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
      const guest = await connectAnonymously(service);
      expect(guest.jid).toMatch(/@anon\.localhost\//);
      const tcp = await connectClient({ port: server.c2sPort });

      const atTcp = nextStanza(tcp, (s) => s.is('message'));
      guest.send($msg({ to: tcp.jid!.toString(), type: 'chat' }).c('body').t(`hello over ${transport}`));
      const received = await atTcp;
      expect(received.getChildText('body')).toBe(`hello over ${transport}`);
      expect(received.attrs.from).toBe(guest.jid);

      const atGuest = nextMessageBody(guest);
      await tcp.send(xml('message', { to: guest.jid, type: 'chat' }, xml('body', {}, 'hello from TCP')));
      expect(await atGuest).toBe('hello from TCP');

      await disconnected(guest);
      await tcp.stop();
    });
  }
});
