import { afterEach, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { RawXmpp, scramAuth, signIn } from '../helpers/raw-xmpp.js';
import { RawBosh } from '../helpers/web.js';

/**
 * What the log says about clients: their addresses only with [log].ip_addresses = true, in
 * the connection and sign-in lines; upload slot secrets never, at any level.
 */

const UPLOAD = 'urn:xmpp:http:upload:0';
const GUEST_ADDRESS = '127.0.0.41';
const GUESSER_ADDRESS = '127.0.0.42';
/** Sent by a trusted proxy (127.0.0.1) for a BOSH client. */
const PROXIED_ADDRESS = '198.51.100.77';

interface LoggedServer {
  server: TestServer;
  lines: string[];
  /** The parsed lines with this message. */
  withMessage(message: string): Record<string, unknown>[];
}

let running: TestServer | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function startLogged(ipAddresses: boolean): Promise<LoggedServer> {
  const lines: string[] = [];
  const server = await startTestServer({ log: { level: 'trace', ip_addresses: ipAddresses } },
    { logTo: { write: (line: string) => { lines.push(line); } } });
  running = server;
  await addAccount(server, 'alice', 'alice pw');
  const withMessage = (message: string) => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === message);
  return { server, lines, withMessage };
}

/** A guest over TCP, a wrong password over TCP, a guest over BOSH through the trusted proxy. */
async function visit(server: TestServer): Promise<void> {
  const guest = await signIn({ port: server.c2sPort, localAddress: GUEST_ADDRESS });
  const guesser = await RawXmpp.connect({ port: server.c2sPort, localAddress: GUESSER_ADDRESS });
  await guesser.open();
  expect(await scramAuth(guesser, 'alice', 'wrong')).toMatchObject({ failure: 'not-authorized' });
  const bosh = new RawBosh(`${server.httpUrl}/http-bind`, { 'x-forwarded-for': PROXIED_ADDRESS });
  await bosh.signIn();
  // A round trip on the guest's stream: everything before it has been handled (and logged).
  guest.raw.write("<iq type='get' id='marker'><ping xmlns='urn:xmpp:ping'/></iq>");
  await guest.raw.waitFor(/id=["']marker["']/);
  guest.raw.destroy();
  guesser.destroy();
}

describe('[log].ip_addresses', () => {
  it('off (the default): connections and sign-ins are logged, no client address appears anywhere', async () => {
    const logged = await startLogged(false);
    await visit(logged.server);
    expect(logged.withMessage('client connected').map((entry) => entry.transport)).toEqual(expect.arrayContaining(['tcp', 'bosh']));
    expect(logged.withMessage('signed in').length).toBeGreaterThanOrEqual(2);
    expect(logged.withMessage('sign-in failed')).toEqual([expect.objectContaining({ condition: 'not-authorized', mechanism: 'SCRAM-SHA-256' })]);
    for (const entry of [...logged.withMessage('client connected'), ...logged.withMessage('signed in')]) expect(entry).not.toHaveProperty('address');
    const everything = logged.lines.join('');
    for (const address of [GUEST_ADDRESS, GUESSER_ADDRESS, PROXIED_ADDRESS]) expect(everything).not.toContain(address);
  });

  it('on: the connection and sign-in lines carry the client address, after trusted proxies', async () => {
    const logged = await startLogged(true);
    await visit(logged.server);
    const connected = logged.withMessage('client connected').map((entry) => `${String(entry.transport)} ${String(entry.address)}`);
    expect(connected).toEqual(expect.arrayContaining([`tcp ${GUEST_ADDRESS}`, `tcp ${GUESSER_ADDRESS}`, `bosh ${PROXIED_ADDRESS}`]));
    const signedIn = logged.withMessage('signed in').map((entry) => entry.address);
    expect(signedIn).toEqual(expect.arrayContaining([GUEST_ADDRESS, PROXIED_ADDRESS]));
    expect(logged.withMessage('sign-in failed')).toEqual([expect.objectContaining({ address: GUESSER_ADDRESS, condition: 'not-authorized' })]);
  });
});

describe('upload slot secrets', () => {
  it('never reach the log, even at trace level, through a whole upload with right and wrong secrets', async () => {
    const logged = await startLogged(true);
    const { raw } = await signIn({ port: logged.server.c2sPort });
    raw.write(`<iq type='get' id='slot' to='upload.localhost'><request xmlns='${UPLOAD}' filename='a.txt' size='5' content-type='text/plain'/></iq>`);
    const slot = (await raw.next('iq')).getChild('slot', UPLOAD)!;
    const putUrl = new URL(slot.getChild('put')!.attrs.url as string);
    const secret = putUrl.searchParams.get('token')!;
    const local = `${logged.server.httpUrl}${putUrl.pathname}`;
    const wrong = await fetch(`${local}?token=${secret.slice(1)}x`, { method: 'PUT', body: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${local}?token=${secret}`, { method: 'PUT', body: 'hello',
      headers: { 'Content-Type': 'text/plain', Authorization: `Bearer ${secret}` } });
    expect(right.status).toBe(201);
    raw.destroy();
    expect(logged.withMessage('upload stored')).toHaveLength(1);
    expect(logged.lines.join('')).not.toContain(secret);
    expect(logged.lines.join('')).not.toContain(secret.slice(1));
  });
});
