/**
 * Strophe.js (the library Converse.js uses) from npm, in Node: its node build brings
 * @xmldom/xmldom and `ws` as the DOM and WebSocket. BOSH needs an XMLHttpRequest: xhr2, with
 * `responseXML` parsed as a browser would (Strophe 5 reads only responseXML).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import XHR from 'xhr2';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, nextStanza, xml } from '../helpers/clients.js';

const { Strophe, $msg } = await import('strophe.js');
Strophe.setLogLevel(Strophe.LogLevel.FATAL);

class BrowserLikeXhr extends XHR {
  get responseXML(): Document | null {
    return this.responseText ? new DOMParser().parseFromString(this.responseText, 'text/xml') : null;
  }
}
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = BrowserLikeXhr;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());

type Connection = InstanceType<typeof Strophe.Connection>;

function connectAnonymously(service: string): Promise<Connection> {
  const connection = new Strophe.Connection(service);
  return new Promise((resolve, reject) => {
    connection.connect('anon.localhost', null, (status: number, condition: string | null) => {
      if (status === Strophe.Status.CONNECTED) resolve(connection);
      if (status === Strophe.Status.CONNFAIL || status === Strophe.Status.AUTHFAIL || status === Strophe.Status.ERROR) {
        reject(new Error(`Strophe could not connect: ${condition}`));
      }
    });
  });
}

function disconnected(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    connection.connect_callback = (status: number) => {
      if (status === Strophe.Status.DISCONNECTED) resolve();
    };
    connection.disconnect('done');
  });
}

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

      const atGuest = new Promise<string>((resolve) => {
        guest.addHandler((message: Element) => {
          resolve(message.getElementsByTagName('body')[0]?.textContent ?? '');
          return false;
        }, null, 'message');
      });
      await tcp.send(xml('message', { to: guest.jid, type: 'chat' }, xml('body', {}, 'hello from TCP')));
      expect(await atGuest).toBe('hello from TCP');

      await disconnected(guest);
      await tcp.stop();
    });
  }
});
