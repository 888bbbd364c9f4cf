import { client as xmppClient, xml } from '@xmpp/client';

export { xml };

export type XmppClient = ReturnType<typeof xmppClient>;

export interface ClientOptions {
  port: number;
  domain?: string;
  username?: string;
  password?: string;
  resource?: string;
}

// @xmpp/client upgrades with STARTTLS whenever it is offered; the test server's certificate
// is self-signed (its own verification is tested separately), so verification is off here.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
process.removeAllListeners('warning');

export type Credentials = Omit<ClientOptions, 'port'>;

/** Starts an @xmpp/client on a service URL; anonymous on anon.localhost when no username is given. */
export async function startClient(service: string, options: Credentials): Promise<XmppClient> {
  const xmpp = xmppClient({
    service,
    domain: options.domain ?? (options.username ? 'localhost' : 'anon.localhost'),
    username: options.username,
    password: options.password,
    resource: options.resource,
  });
  xmpp.on('error', () => {});
  await xmpp.start();
  return xmpp;
}

/** An @xmpp/client over TCP, signed in and online. Anonymous when no username is given. */
export function connectClient(options: ClientOptions): Promise<XmppClient> {
  return startClient(`xmpp://127.0.0.1:${options.port}`, options);
}

/** The condition of the error an iq is answered with (fails the test on a result). */
export async function iqError(client: XmppClient, iq: ReturnType<typeof xml>): Promise<string> {
  try {
    await client.iqCaller.request(iq);
  } catch (error) {
    if (error instanceof Error && 'condition' in error) return String(error.condition);
    throw error;
  }
  throw new Error('expected an error reply');
}

/** Resolves with the next stanza matching the predicate. */
export function nextStanza(xmpp: XmppClient, predicate: (stanza: any) => boolean, timeoutMs = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      xmpp.removeListener('stanza', listener);
      reject(new Error('timed out waiting for a stanza'));
    }, timeoutMs);
    const listener = (stanza: any) => {
      if (!predicate(stanza)) return;
      clearTimeout(timer);
      xmpp.removeListener('stanza', listener);
      resolve(stanza);
    };
    xmpp.on('stanza', listener);
  });
}
