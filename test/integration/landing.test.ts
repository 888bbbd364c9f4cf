/**
 * The landing page over HTTP: what the server renders for each link, how hostile config
 * and query values come out, the security headers, the assets, and the nickname check.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { httpRequest, type HttpResult } from '../helpers/web.js';
import { MUC } from '../../server/muc/service.js';

const HOSTILE = '</title></script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&';

/** The settings JSON the page hands to landing.js. */
function settingsOf(page: HttpResult): Record<string, unknown> {
  const match = /<script type="application\/json" id="palaver-settings">([^<]*)<\/script>/.exec(page.text);
  if (!match) throw new Error('no settings in the page');
  return JSON.parse(match[1]!) as Record<string, unknown>;
}

/** Every <script ...> opening tag in the page. */
function scriptTags(html: string): string[] {
  return html.match(/<script\b[^>]*>/gi) ?? [];
}

describe('the landing page over HTTP', () => {
  let server: TestServer;
  let base: string;
  const clients: XmppClient[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      listen: { public_url: 'https://chat.example/palaver' },
      landing: {
        title: 'Tea & Talk',
        greeting: 'Pick a name',
        info: 'Trouble? Write to <a href="mailto:admin@example.org">the admin</a>.',
      },
      channels: [{ name: 'lobby', title: 'The Lobby', welcome: 'Welcome!' }, { name: 'help', title: 'Help desk' }],
    });
    base = server.httpUrl;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  });

  afterAll(async () => {
    await server.stop();
  });

  const get = (path: string) => httpRequest(`${base}${path}`);

  it('a visitor to / gets the form with the configured rooms to choose from', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<title>Tea &amp; Talk</title>');
    expect(page.text).toMatch(/<form id="join-form"[^>]*method="get"/);
    expect(page.text).toMatch(/<input id="nick" name="nick" type="text" value=""/);
    expect(page.text).toContain('<select id="channel" name="channel" required><option value="lobby">The Lobby</option><option value="help">Help desk</option></select>');
    expect(page.text).toContain('<button type="submit">Join the chat</button>');
    expect(page.text).toContain('<noscript>');
    expect(page.text).toContain('Trouble? Write to <a href="mailto:admin@example.org" rel="noopener noreferrer nofollow">the admin</a>.');
    expect(page.text).toContain('Messages are kept for 1 week');
    // The share links point at the first room until the visitor picks one.
    expect(page.text).toContain('href="https://chat.example/palaver/?channel=lobby"');
    expect(page.text).toContain('href="xmpp:lobby@conference.localhost?join"');
    expect(settingsOf(page)).toMatchObject({ mode: 'form', channel: null, nick: null });
  });

  it('a link naming a room prefills it on the form, with links to share it', async () => {
    const listed = await get('/?channel=help');
    expect(listed.text).toContain('<option value="help" selected>Help desk</option>');
    expect(listed.text).toContain('href="xmpp:help@conference.localhost?join"');

    const other = await get('/?channel=Book-Club');
    // The field shows the name as typed; the room's address is derived from it (room-address.ts).
    expect(other.text).toMatch(/<input id="channel" name="channel" type="text" value="Book-Club"/);
    expect(other.text).toContain('href="https://chat.example/palaver/?channel=Book-Club"');
    expect(settingsOf(other)).toMatchObject({ mode: 'form', channel: 'book-club' });
  });

  it('a link with a room and a nickname starts the chat, with endpoints from public_url', async () => {
    const page = await get('/?channel=lobby&nick=%20alice%20');
    expect(settingsOf(page)).toMatchObject({
      mode: 'join',
      channel: 'lobby',
      nick: 'alice',
      transport: 'websocket',
      transportChosen: false,
      mucDomain: 'conference.localhost',
      anonymousDomain: 'anon.localhost',
      publicUrl: 'https://chat.example/palaver/',
      websocketUrl: 'wss://chat.example/palaver/xmpp-websocket',
      boshUrl: 'https://chat.example/palaver/http-bind',
      mediaHosts: ['chat.example'],
    });
    expect(page.text).toContain('<body data-mode="join">');

    const bosh = await get('/?channel=lobby&nick=alice&transport=bosh');
    expect(settingsOf(bosh)).toMatchObject({ mode: 'join', transport: 'bosh', transportChosen: true });
    // The form keeps the choice when it has to come back.
    expect(bosh.text).toContain('<input type="hidden" name="transport" value="bosh">');
    expect(settingsOf(await get('/?channel=lobby&nick=alice&transport=carrier-pigeon'))).toMatchObject({ transport: 'websocket', transportChosen: false });
  });

  it('a blank, too long or unusable nickname is answered on the form', async () => {
    const blank = await get('/?channel=lobby&nick=%20%20');
    expect(settingsOf(blank)).toMatchObject({ mode: 'form' });
    expect(blank.text).toContain('<p id="form-message" class="message" role="alert">Please choose a nickname.</p>');

    const long = await get(`/?channel=lobby&nick=${'n'.repeat(33)}`);
    expect(settingsOf(long)).toMatchObject({ mode: 'form' });
    expect(long.text).toContain('That nickname is too long. Please use at most 32 characters.');

    const control = await get('/?channel=lobby&nick=a%07b');
    expect(settingsOf(control)).toMatchObject({ mode: 'form' });
    expect(control.text).toContain('That nickname contains characters that can’t be used.');

    const taken = await get('/?channel=lobby&taken=alice');
    expect(settingsOf(taken)).toMatchObject({ mode: 'form', nick: null });
    expect(taken.text).toContain('Someone in this room is already called “alice”.');
    expect(taken.text).toMatch(/<input id="nick" name="nick" type="text" value="alice"/);
    // Refused as the welcome's author (when the page skipped its check: a rejoin, a site's user).
    const welcome = await get('/?channel=lobby&taken=welcome');
    expect(welcome.text).toContain('That name is used by the room for its welcome message.');
    expect((await get('/?channel=help&taken=Welcome')).text).toContain('Someone in this room is already called “Welcome”.');
  });

  it('a room name that cannot be a room is answered on the form, naming the character', async () => {
    const page = await get('/?channel=a%E2%80%8Bb&nick=alice');
    expect(settingsOf(page)).toMatchObject({ mode: 'form', channel: null });
    expect(page.text).toContain('U+200B');
    expect(page.text).toMatch(/<input id="channel" name="channel" type="text" value="a\u200bb"/);
    // A name with characters an address cannot hold is not refused: it gets a derived address.
    expect(settingsOf(await get('/?channel=a%40b&nick=alice'))).toMatchObject({ mode: 'join' });
  });

  it('hostile values in the query come out as text', async () => {
    const q = encodeURIComponent(HOSTILE);
    for (const path of [`/?channel=${q}&nick=${q}`, `/?channel=lobby&nick=${q}`, `/?channel=lobby&taken=${q}`, `/?channel=lobby&nick=x&transport=${q}`]) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(scriptTags(page.text)).toEqual([
        '<script type="application/json" id="palaver-settings">',
        expect.stringMatching(/^<script type="module" src="assets\/[\w-]{12}\/landing\/landing\.js">$/),
      ]);
      expect(page.text).not.toContain('<img');
      expect(page.text).not.toContain('alert(1)</script>');
    }
  });

  it('a repeated query parameter counts once, and an odd one is ignored', async () => {
    const page = await get('/?channel=lobby&channel=help&nick[x]=1');
    expect(page.status).toBe(200);
    expect(settingsOf(page)).toMatchObject({ mode: 'form', channel: 'lobby' });
  });

  it('the page and its assets carry a Content-Security-Policy that allows only this origin', async () => {
    for (const path of ['/', '/landing/landing.js', '/converse/converse.min.js']) {
      const response = await get(path);
      const csp = response.headers['content-security-policy'] as string;
      const directives = new Map(csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values] as const;
      }));
      expect(directives.get('default-src')).toEqual(["'none'"]);
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('connect-src')).toEqual(["'self'", 'https://chat.example', 'wss://chat.example']);
      expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:', 'https://chat.example']);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('base-uri')).toEqual(["'none'"]);
      expect(directives.get('form-action')).toEqual(["'self'"]);
      expect(csp).not.toMatch(/unsafe-eval|\*/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('serves the page script, the stylesheet and Converse.js with the right types', async () => {
    const expected: [string, RegExp][] = [
      ['/landing/landing.js', /^text\/javascript/],
      ['/landing/landing.css', /^text\/css/],
      ['/landing/icon.svg', /^image\/svg\+xml/],
      ['/converse/converse.min.js', /^text\/javascript/],
      ['/converse/converse.min.css', /^text\/css/],
      ['/converse/emoji.json', /^application\/json/],
      ['/converse/chunkjs/locales/de-LC_MESSAGES-converse-po.js', /^text\/javascript/],
      ['/converse/webfonts/muli.ttf', /^font\/ttf/],
    ];
    for (const [path, type] of expected) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toMatch(type);
    }
    expect((await get('/converse/converse.min.js')).text).toContain('export{');
  });

  it("serves the page's script as one minified bundle (no import of its own modules to wait for), with a source map", async () => {
    const page = await get('/?channel=lobby&nick=Ann');
    const assets = /src="\/?(assets\/[\w-]+\/)landing\/landing\.js"/.exec(page.text)![1]!;
    expect(page.text).not.toContain('rel="modulepreload" href="' + assets + 'landing/');
    const script = await get(`/${assets}landing/landing.js`);
    expect(script.status).toBe(200);
    expect(script.headers['cache-control']).toContain('immutable');
    expect(script.text).not.toMatch(/\bfrom\s*["']\.{1,2}\//);
    // It still imports Converse.js by URL at run time, from the same versioned folder.
    expect(script.text).toContain('converse.min.js');
    // Minified: the sources' comments are not sent.
    expect(script.text).not.toMatch(/^\s*\/\/ [A-Z]/m);
    expect(script.text).toMatch(/\/\/# sourceMappingURL=landing\.js\.map\s*$/);
    const map = await get(`/${assets}landing/landing.js.map`);
    expect(map.status).toBe(200);
    expect(JSON.parse(map.text).sources.some((source: string) => source.endsWith('calls/webcam.js'))).toBe(true);
  });

  it('serves nothing else: not the template, not outside the asset folders', async () => {
    expect((await get('/landing/index.html')).status).toBe(404);
    expect((await get('/landing/nothing.js')).status).toBe(404);
    expect((await get('/converse/nothing.js')).status).toBe(404);
    expect((await get('/converse/%2e%2e/package.json')).status).not.toBe(200);
    expect((await get('/landing/..%2f..%2fpackage.json')).status).not.toBe(200);
    expect((await get('/index.html')).status).toBe(404);
  });

  it('tells the page whether a nickname is free in a room, without listing anyone', async () => {
    const alice = await connectClient({ port: server.c2sPort });
    clients.push(alice);
    const joined = nextStanza(alice, (s) => s.is('presence') && s.attrs.from === 'lobby@conference.localhost/Alice');
    await alice.send(xml('presence', { to: 'lobby@conference.localhost/Alice' }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await joined;

    const check = async (room: string, nick: string) => {
      const response = await get(`/api/rooms/${encodeURIComponent(room)}/nick-available?nick=${encodeURIComponent(nick)}`);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['cache-control']).toBe('no-store');
      return { status: response.status, body: JSON.parse(response.text) as Record<string, unknown> };
    };
    expect(await check('lobby', 'Alice')).toEqual({ status: 200, body: { available: false, reason: 'taken' } });
    expect(await check('lobby', ' Alice ')).toEqual({ status: 200, body: { available: false, reason: 'taken' } });
    expect(await check('Lobby', 'bob')).toEqual({ status: 200, body: { available: true } });
    expect(await check('empty-room', 'Alice')).toEqual({ status: 200, body: { available: true } });
    expect((await check('lobby', '')).body).toMatchObject({ available: false, reason: 'invalid', message: 'Please choose a nickname.' });
    expect((await check('a@b', 'bob')).status).toBe(400);

    // The welcome's author, in the channel that has a welcome only, and whatever the room's settings.
    const usedByRoom = { available: false, reason: 'reserved', message: 'That name is used by the room for its welcome message. Please pick a different nickname.' };
    expect(await check('lobby', 'Welcome')).toEqual({ status: 200, body: usedByRoom });
    expect(await check('lobby', 'WELCOME')).toEqual({ status: 200, body: usedByRoom });
    expect(await check('help', 'Welcome')).toEqual({ status: 200, body: { available: true } });
    expect(await check('empty-room', 'Welcome')).toEqual({ status: 200, body: { available: true } });

    // A room that keeps strangers out says nothing about who is in it.
    const room = server.server.context.services.get(MUC, 'conference.localhost').getRoom('lobby')!;
    const open = room.config;
    for (const closed of [{ public: false }, { membersOnly: true }, { password: 'secret' }]) {
      room.config = { ...open, ...closed };
      expect(await check('lobby', 'Alice')).toEqual({ status: 200, body: { available: true } });
    }
    room.config = open;
  });
});

describe('the landing page on a server without guests', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ anonymous: { enabled: false } });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('says so on the form instead of starting a chat that cannot sign in', async () => {
    const page = await httpRequest(`${server.httpUrl}/?channel=lobby&nick=alice`);
    expect(settingsOf(page)).toMatchObject({ mode: 'form', nick: null });
    expect(page.text).toContain('This server does not let guests chat from the browser.');
    expect(page.text).toContain('href="xmpp:lobby@conference.localhost?join"');
  });
});

describe('the landing page with hostile values in the config', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      landing: {
        title: HOSTILE,
        greeting: `${HOSTILE} {{settings}}`,
        info: `<p onclick="alert(3)">Help: <a href="javascript:alert(4)">here</a> <script>alert(5)</script>${HOSTILE}`,
      },
      channels: [{ name: 'lobby', title: HOSTILE, welcome: '' }],
    });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('renders them as text, with only the allowed markup left in the info paragraph', async () => {
    const page = await httpRequest(`${server.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(scriptTags(page.text)).toEqual([
      '<script type="application/json" id="palaver-settings">',
      expect.stringMatching(/^<script type="module" src="assets\/[\w-]{12}\/landing\/landing\.js">$/),
    ]);
    expect(page.text).toContain('<title>&lt;/title&gt;&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&quot;&#39;&amp;</title>');
    // A {{placeholder}} in a config value is text, not a second round of templating.
    expect(page.text).toContain('&amp; {{settings}}</p>');
    expect(page.text).toContain('<footer class="info"><p>Help: <a>here</a> &quot;&#39;&amp;</p></footer>');
    expect(page.text).not.toMatch(/<img|<[a-z]+[^>]*\son[a-z]+=|javascript:/i);
    // The rooms list too, and the JSON for the script cannot end its element.
    expect(page.text).toContain('<option value="lobby">&lt;/title&gt;&lt;/script&gt;');
    expect(settingsOf(page).channels).toEqual([{ name: 'lobby', title: HOSTILE }]);
  });
});
