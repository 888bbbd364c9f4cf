/**
 * Sites that sign their users in ([auth.jwt]): Strophe.js (what Converse.js runs) signs in
 * with a token over OAUTHBEARER, gets the token's nickname locked in every room and, with
 * `op`, moderator rights; refused tokens say why; "required" mode offers no ANONYMOUS.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { anonymousAttempt, NS_SASL, RawXmpp } from '../helpers/raw-xmpp.js';

const { Strophe, $pres } = await import('strophe.js');
Strophe.setLogLevel(Strophe.LogLevel.FATAL);

const SECRET = 'the site and the chat share this secret';
const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';

type Connection = InstanceType<typeof Strophe.Connection>;

function jwtConfig(mode: 'optional' | 'required') {
  return {
    auth: { jwt: { mode, secret: SECRET, issuer: 'https://site.example', audience: 'palaver' } },
    limits: { sasl_failures_per_minute: 1000 },
    muc: { lock_new_rooms: false },
  };
}

async function token(claims: Record<string, unknown>, expiresIn = 600, secret = SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'user-1', iss: 'https://site.example', aud: 'palaver', exp: now + expiresIn, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

/** A token with `alg: none` and no signature, which a verifier must never accept. */
function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

function websocketUrl(server: TestServer): string {
  return `ws://127.0.0.1:${server.httpPort}/xmpp-websocket`;
}

/** Signs in with the token (Strophe picks OAUTHBEARER when a password is given); rejects with the failure's text. */
function connectWithToken(server: TestServer, bearer: string): Promise<Connection> {
  const connection = new Strophe.Connection(websocketUrl(server));
  return new Promise((resolve, reject) => {
    connection.connect('anon.localhost', bearer, (status: number, condition: string | null, element?: Element) => {
      if (status === Strophe.Status.CONNECTED) resolve(connection);
      if (status === Strophe.Status.AUTHFAIL) {
        const text = element?.getElementsByTagName('text')[0]?.textContent ?? '';
        reject(new Error(`${element?.firstElementChild?.tagName ?? condition}: ${text}`));
      }
      if (status === Strophe.Status.CONNFAIL || status === Strophe.Status.ERROR) reject(new Error(`connection failed: ${condition}`));
    });
  });
}

/** Joins room@conference.localhost/nick: the self-presence's role, or the error condition. */
function join(connection: Connection, room: string, nick: string): Promise<{ role?: string; error?: string; text?: string }> {
  const occupantJid = `${room}@conference.localhost/${nick}`;
  return new Promise((resolve) => {
    connection.addHandler((presence: Element) => {
      const from = presence.getAttribute('from') ?? '';
      if (!from.startsWith(`${room}@conference.localhost/`)) return true;
      if (presence.getAttribute('type') === 'error') {
        const error = presence.getElementsByTagName('error')[0];
        resolve({ error: error?.firstElementChild?.tagName ?? '', text: error?.getElementsByTagName('text')[0]?.textContent ?? '' });
        return false;
      }
      const self = [...presence.getElementsByTagName('status')].some((status) => status.getAttribute('code') === '110');
      if (!self) return true;
      resolve({ role: presence.getElementsByTagName('item')[0]?.getAttribute('role') ?? '' });
      return false;
    }, null, 'presence');
    connection.send($pres({ to: occupantJid }).c('x', { xmlns: NS_MUC }));
  });
}

function changeNick(connection: Connection, room: string, nick: string): Promise<{ error?: string; nick?: string }> {
  return new Promise((resolve) => {
    connection.addHandler((presence: Element) => {
      if (presence.getAttribute('type') === 'error') {
        resolve({ error: presence.getElementsByTagName('error')[0]?.firstElementChild?.tagName ?? '' });
        return false;
      }
      const item = presence.getElementsByTagName('item')[0];
      if (presence.getElementsByTagNameNS(NS_MUC_USER, 'x').length > 0 && item?.getAttribute('nick')) {
        resolve({ nick: item.getAttribute('nick') ?? '' });
        return false;
      }
      return true;
    }, null, 'presence');
    connection.send($pres({ to: `${room}@conference.localhost/${nick}` }));
  });
}

describe('site sign-in, optional mode', () => {
  let server: TestServer;
  const open: Connection[] = [];
  beforeAll(async () => {
    server = await startTestServer(jwtConfig('optional'));
  });
  afterAll(async () => {
    for (const connection of open) connection.disconnect('done');
    await server?.stop();
  });

  it('a token holder signs in over OAUTHBEARER with a random guest address, not the site user id', async () => {
    const connection = await connectWithToken(server, await token({ sub: 'site-user-77', nick: 'Alice' }));
    open.push(connection);
    expect(connection.jid).toMatch(/^[a-z2-7]{26}@anon\.localhost\//);
    expect(connection.jid).not.toContain('site-user-77');
  });

  it('the token nickname is locked: another nick is refused in every room, on join and on a change', async () => {
    const connection = await connectWithToken(server, await token({ nick: 'Bea' }));
    open.push(connection);
    expect(await join(connection, 'locked-a', 'NotBea')).toMatchObject({ error: 'not-acceptable', text: expect.stringContaining('“Bea”') });
    expect(await join(connection, 'locked-a', 'Bea')).toEqual({ role: 'moderator' }); // the room's creator owns it
    expect(await changeNick(connection, 'locked-a', 'Someone')).toEqual({ error: 'not-acceptable' });
    // An ordinary guest may still take any free nickname beside her.
    const guest = await new Promise<Connection>((resolve, reject) => {
      const plain = new Strophe.Connection(websocketUrl(server));
      plain.connect('anon.localhost', null, (status: number) => {
        if (status === Strophe.Status.CONNECTED) resolve(plain);
        if (status === Strophe.Status.AUTHFAIL || status === Strophe.Status.CONNFAIL) reject(new Error('guest sign-in failed'));
      });
    });
    open.push(guest);
    expect(await join(guest, 'locked-a', 'Carl')).toEqual({ role: 'participant' });
    expect(await changeNick(guest, 'locked-a', 'Carlos')).toEqual({ nick: 'Carlos' });
  });

  it('op makes the guest a moderator in a room someone else owns; without op a participant', async () => {
    const owner = await connectWithToken(server, await token({ nick: 'Owner' }));
    const operator = await connectWithToken(server, await token({ nick: 'Opal', op: true }));
    const plain = await connectWithToken(server, await token({ nick: 'Plain' }));
    open.push(owner, operator, plain);
    expect(await join(owner, 'op-room', 'Owner')).toEqual({ role: 'moderator' });
    expect(await join(operator, 'op-room', 'Opal')).toEqual({ role: 'moderator' });
    expect(await join(plain, 'op-room', 'Plain')).toEqual({ role: 'participant' });
  });

  it('refused tokens get not-authorized with the reason', async () => {
    const cases: [Promise<string>, RegExp][] = [
      [token({}, -120), /not-authorized: the sign-in token has expired/],
      [token({ nbf: Math.floor(Date.now() / 1000) + 600 }), /not-authorized: the sign-in token is not valid yet/],
      [token({ aud: 'elsewhere' }), /not-authorized: the sign-in token is for another audience/],
      [token({ iss: 'https://evil.example' }), /not-authorized: the sign-in token is from the wrong issuer/],
      [token({}, 600, 'not the shared secret'), /not-authorized: the sign-in token has a bad signature/],
      [Promise.resolve('e30.e30.c2ln'), /not-authorized: the sign-in token is malformed/],
      [token({ nick: 'x'.repeat(5000) }), /not-authorized: the sign-in token is too large/],
      [Promise.resolve(unsignedToken({ sub: 'user-1', iss: 'https://site.example', aud: 'palaver', exp: Math.floor(Date.now() / 1000) + 600 })),
        /not-authorized: the sign-in token has a bad signature/],
    ];
    for (const [bearer, reason] of cases) await expect(connectWithToken(server, await bearer)).rejects.toThrow(reason);
  });

  it('ANONYMOUS is still offered in optional mode', async () => {
    expect(await anonymousAttempt({ port: server.c2sPort })).toBe('success');
  });
});

describe('site sign-in with the site\'s RSA public key', () => {
  let server: TestServer;
  let keys: { publicPem: string; privateKey: KeyObject };
  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-jwt-key-'));
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys = { publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string, privateKey: pair.privateKey };
    fs.writeFileSync(path.join(dir, 'site.pem'), keys.publicPem);
    const config = jwtConfig('optional');
    server = await startTestServer({ ...config, auth: { jwt: { ...config.auth.jwt, secret: '', public_key: path.join(dir, 'site.pem') } } });
  });
  afterAll(() => server?.stop());

  const claims = () => ({ sub: 'user-9', nick: 'Rosa', iss: 'https://site.example', aud: 'palaver', exp: Math.floor(Date.now() / 1000) + 600 });

  it('signs in with an RS256 token signed by the site\'s private key', async () => {
    const good = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(keys.privateKey);
    const connection = await connectWithToken(server, good);
    expect(connection.jid).toMatch(/@anon\.localhost\//);
    connection.disconnect('done');
  });

  it('refuses HS256 keyed with the public key (HS/RS confusion), and alg none', async () => {
    const confused = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(keys.publicPem));
    await expect(connectWithToken(server, confused)).rejects.toThrow(/not-authorized: the sign-in token has a bad signature/);
    await expect(connectWithToken(server, unsignedToken(claims()))).rejects.toThrow(/not-authorized: the sign-in token has a bad signature/);
  });
});

describe('site sign-in, required mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(jwtConfig('required'));
  });
  afterAll(() => server?.stop());

  it('offers only OAUTHBEARER to guests, and refuses ANONYMOUS', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    try {
      const features = await raw.open({ to: 'anon.localhost' });
      const mechanisms = features.getChild('mechanisms', NS_SASL)?.getChildren('mechanism').map((m) => m.getText());
      // Plain TCP to the server is not a secure channel, so not even the token mechanism is offered on it.
      expect(mechanisms ?? []).toEqual([]);
    } finally {
      raw.destroy();
    }
    expect(await anonymousAttempt({ port: server.c2sPort })).toBe('invalid-mechanism');
    await expect(new Promise((resolve, reject) => {
      const plain = new Strophe.Connection(websocketUrl(server));
      plain.connect('anon.localhost', null, (status: number, condition: string | null) => {
        if (status === Strophe.Status.CONNECTED) resolve('connected');
        if (status === Strophe.Status.AUTHFAIL || status === Strophe.Status.CONNFAIL) reject(new Error(`refused: ${condition}`));
      });
    })).rejects.toThrow(/refused/);
    const holder = await connectWithToken(server, await token({ nick: 'Dana' }));
    expect(holder.jid).toMatch(/@anon\.localhost\//);
    holder.disconnect('done');
  });
});

describe('refused tokens count against the sign-in limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ...jwtConfig('optional'), limits: { sasl_failures_per_minute: 2 } });
  });
  afterAll(() => server?.stop());

  it('after two refused tokens from a network, even a good one waits', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(connectWithToken(server, await token({}, -120))).rejects.toThrow(/not-authorized: the sign-in token has expired/);
    }
    await expect(connectWithToken(server, await token({ nick: 'Patient' }))).rejects.toThrow(/temporary-auth-failure: too many failed attempts/);
  });
});
