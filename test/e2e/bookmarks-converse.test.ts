/**
 * Bookmarks across clients, in Chromium: Converse.js (the version the landing page serves),
 * signed in with an account, reads as XEP-0402 the bookmark an older client stored in private
 * XML (XEP-0049), and a bookmark Converse adds shows in private XML: XEP-0411 on Palaver.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';
import { addAccount, type TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';

interface SeenBookmark { jid: string; name: string; nick: string; autojoin: boolean }

const available = browserAvailable();

describe.skipIf(!available)('bookmarks in Converse.js (XEP-0402 with XEP-0411)', () => {
  let server: TestServer;
  let browser: Browser;
  let legacy: XmppClient;
  let user: Guest;

  beforeAll(async () => {
    server = await startWebServer();
    await addAccount(server, 'romeo', 'romeo in converse');
    legacy = await connectClient({ port: server.c2sPort, username: 'romeo', password: 'romeo in converse', resource: 'legacy' });
    await legacy.iqCaller.set(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: 'verona@conference.localhost', name: 'Verona', autojoin: 'false' }, xml('nick', {}, 'romeo')))));
    browser = await launchBrowser();
    user = await Guest.open(browser);
  }, 60_000);

  afterAll(async () => {
    await user?.close();
    await browser?.close();
    await legacy?.stop().catch(() => {});
    await server?.stop();
  });

  it('Converse reads the bookmark stored in private XML, and its own new bookmark lands there', async () => {
    await user.page.goto(`${server.httpUrl}/`);
    // A string, not a function: the test runner would rewrite a function's import() for Node.
    const seen = await user.page.evaluate(`(async () => {
      const settings = JSON.parse(document.getElementById('palaver-settings').textContent);
      const assetsPath = new URL(settings.assetsPath + 'converse/', document.baseURI).href;
      const { default: converse } = await import(assetsPath + 'converse.min.js');
      const probe = {};
      converse.plugins.add('bookmarks-probe', { initialize() { probe.converse = this._converse; } });
      await converse.initialize({
        authentication: 'login', jid: 'romeo@localhost', password: 'romeo in converse', auto_login: true,
        websocket_url: settings.websocketUrl, discover_connection_methods: false, assets_path: assetsPath,
        allow_bookmarks: true, whitelisted_plugins: ['bookmarks-probe'], view_mode: 'fullscreen', show_controlbox_by_default: false,
      });
      await probe.converse.api.waitUntil('bookmarksInitialized');
      const bookmarks = probe.converse.state.bookmarks;
      const list = bookmarks.map((b) => ({ jid: b.get('jid'), name: b.get('name'), nick: b.get('nick'), autojoin: b.get('autojoin') }));
      await bookmarks.setBookmark({ jid: 'mantua@conference.localhost', name: 'Mantua', nick: 'romeo', autojoin: false });
      return list;
    })()`) as SeenBookmark[];
    expect(seen).toEqual([{ jid: 'verona@conference.localhost', name: 'Verona', nick: 'romeo', autojoin: false }]);

    const stored = async () => {
      const query = await legacy.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })));
      return query.getChild('storage', 'storage:bookmarks').getChildren('conference').map((c: any) => c.attrs.jid).sort();
    };
    await expect.poll(stored, { timeout: 10_000 }).toEqual(['mantua@conference.localhost', 'verona@conference.localhost']);
  }, 60_000);
});
