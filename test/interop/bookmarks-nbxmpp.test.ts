import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['nbxmpp', 'gi'], 'python3-nbxmpp');

interface Bookmark { jid: string; name: string | null; nick: string | null; autojoin: boolean }
interface BookmarksResult {
  error?: string;
  account?: { pep: boolean; publish_options: boolean; bookmarks_compat: boolean };
  private_after_native?: Bookmark[];
  native_after_private?: Bookmark[];
  events: (Bookmark & { from: string })[];
}

const gajimRoom: Bookmark = { jid: 'gajim@conference.localhost', name: 'Gajim room', nick: 'juliet', autojoin: true };
const legacyRoom: Bookmark = { jid: 'legacy@conference.localhost', name: 'Legacy room', nick: 'jules', autojoin: false };

describe.skipIf(!python.available)(python.available ? 'bookmarks with Gajim (nbxmpp)' : `bookmarks with Gajim (nbxmpp) (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let result: BookmarksResult;

  beforeAll(async () => {
    server = await startTestServer({ tls: { require_encryption: true } });
    await addAccount(server, 'juliet', 'gajim bookmarks pw');
    const run = await runPythonScript('nbxmpp_bookmarks.py', ['127.0.0.1', String(server.c2sPort), 'juliet', 'localhost', 'gajim bookmarks pw']);
    result = scriptResult<BookmarksResult>(run);
    if (result.error) throw new Error(`nbxmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  it('Gajim finds PEP, publish-options and the XEP-0411 compatibility on the account', () => {
    expect(result.account).toEqual({ pep: true, publish_options: true, bookmarks_compat: true });
  });

  it('a bookmark Gajim stores as XEP-0402 is read back through private XML storage', () => {
    expect(result.private_after_native).toEqual([gajimRoom]);
  });

  it('a list stored through private XML storage is read back as XEP-0402 items', () => {
    expect(result.native_after_private).toEqual([gajimRoom, legacyRoom]);
  });

  it('the other Gajim resource, with bookmarks+notify in its caps, hears of both bookmarks', () => {
    expect(result.events).toEqual([{ from: 'juliet@localhost', ...gajimRoom }, { from: 'juliet@localhost', ...legacyRoom }]);
  });
});
