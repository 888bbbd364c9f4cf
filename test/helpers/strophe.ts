/**
 * Strophe.js (the library Converse.js uses) from npm, in Node: its node build brings
 * @xmldom/xmldom and `ws` as the DOM and WebSocket. BOSH needs an XMLHttpRequest: xhr2, with
 * `responseXML` parsed as a browser would (Strophe 5 reads only responseXML).
 */
import XHR from 'xhr2';

export const { Strophe, $msg } = await import('strophe.js');
Strophe.setLogLevel(Strophe.LogLevel.FATAL);

class BrowserLikeXhr extends XHR {
  get responseXML(): Document | null {
    return this.responseText ? new DOMParser().parseFromString(this.responseText, 'text/xml') : null;
  }
}
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = BrowserLikeXhr;

export type StropheConnection = InstanceType<typeof Strophe.Connection>;

/** A guest (SASL ANONYMOUS on anon.localhost) over BOSH (an http URL) or WebSocket (a ws URL). */
export function connectAnonymously(service: string): Promise<StropheConnection> {
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

export function disconnected(connection: StropheConnection): Promise<void> {
  return new Promise((resolve) => {
    connection.connect_callback = (status: number) => {
      if (status === Strophe.Status.DISCONNECTED) resolve();
    };
    connection.disconnect('done');
  });
}

/** The body text of the next message the connection receives. */
export function nextMessageBody(connection: StropheConnection): Promise<string> {
  return new Promise<string>((resolve) => {
    connection.addHandler((message: Element) => {
      resolve(message.getElementsByTagName('body')[0]?.textContent ?? '');
      return false;
    }, null, 'message');
  });
}
