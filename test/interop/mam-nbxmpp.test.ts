/** Gajim's library, nbxmpp, catching up on a room through its archive (test/interop/nbxmpp_mam.py). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['nbxmpp', 'gi'], 'python3-nbxmpp');

const ROOM = 'gajimroom@conference.localhost';
const EARLIER = ['first words', 'second words', 'third words'];

interface StanzaId { id: string; by: string }
interface Archived {
  mam_id: string; query_id: string; archive: string; timestamp: number;
  from: string; type: string; body: string | null; stanza_ids: StanzaId[];
}
interface Fin { query_id: string; jid: string; complete: boolean; first: string | null; last: string | null; count: number | null }
interface MamResult {
  error?: string;
  room_features?: string[];
  joined?: string;
  live?: { from: string; stanza_ids: StanzaId[] };
  archived: Archived[];
  queries: Fin[];
}

describe.skipIf(!python.available)(python.available ? 'Gajim (nbxmpp) and room archives' : `Gajim (nbxmpp) and room archives (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let romeo: XmppClient;
  let result: MamResult;

  beforeAll(async () => {
    server = await startTestServer({ tls: { require_encryption: true } });
    await addAccount(server, 'juliet', 'gajim mam pw');
    // Someone talked in the room before Gajim came; they stay, so the room (and its archive) lives on.
    romeo = await connectClient({ port: server.c2sPort });
    const joined = nextStanza(romeo, (s) => s.is('presence') && s.attrs.from === `${ROOM}/romeo`);
    await romeo.send(xml('presence', { to: `${ROOM}/romeo` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await joined;
    // The new room opens to others once its creator accepts the default configuration (XEP-0045 §10.1.2).
    await romeo.iqCaller.request(xml('iq', { type: 'set', to: ROOM },
      xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' }))));
    for (const body of EARLIER) {
      const echo = nextStanza(romeo, (s) => s.is('message') && s.getChildText('body') === body);
      await romeo.send(xml('message', { to: ROOM, type: 'groupchat' }, xml('body', {}, body)));
      await echo;
    }
    const run = await runPythonScript('nbxmpp_mam.py', ['127.0.0.1', String(server.c2sPort), 'juliet', 'localhost', 'gajim mam pw', ROOM, 'juliet']);
    result = scriptResult<MamResult>(run);
    if (result.error) throw new Error(`nbxmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(async () => {
    await romeo?.stop().catch(() => {});
    await server?.stop();
  });

  it('Gajim sees that the room keeps an archive', () => {
    expect(result.room_features).toEqual(expect.arrayContaining(['urn:xmpp:mam:2', 'urn:xmpp:mam:2#extended']));
    expect(result.joined).toBe(`${ROOM}/juliet`);
  });

  it("Gajim pages through the room's archive and gets <fin/> with an RSM set each time", () => {
    const [first, second] = result.queries;
    expect(first).toMatchObject({ query_id: 'gajim-page-1', jid: ROOM, complete: false, count: 4 });
    expect(second).toMatchObject({ query_id: 'gajim-page-2', jid: ROOM, complete: true, count: 4 });
    const ids = result.archived.map((m) => m.mam_id);
    expect([first!.first, first!.last, second!.first, second!.last]).toEqual([ids[0], ids[1], ids[2], ids[3]]);
  });

  it('every archived message comes with its queryid, the room as archive, a delay and the sender', async () => {
    expect(result.archived.map((m) => m.body)).toEqual([...EARLIER, 'hello from gajim']);
    expect(result.archived.map((m) => m.query_id)).toEqual(['gajim-page-1', 'gajim-page-1', 'gajim-page-2', 'gajim-page-2']);
    for (const message of result.archived) {
      expect(message.archive).toBe(ROOM);
      expect(message.type).toBe('groupchat');
      // The <delay/> stamp (nbxmpp gives seconds) is when the room archived the message.
      // A temporary room: its archive is the one in memory.
      const stored = await server.server.context.storage.temporaryArchive.get(ROOM, message.mam_id);
      expect(message.timestamp * 1000).toBeCloseTo(stored!.timestamp, -1);
    }
    expect(result.archived[0]!.from).toBe(`${ROOM}/romeo`);
    expect(result.archived[3]!.from).toBe(`${ROOM}/juliet`);
  });

  it("Gajim's live message carries the same stanza-id as its archived copy", () => {
    const live = result.live!.stanza_ids.find((s) => s.by === ROOM);
    expect(live).toBeDefined();
    const archived = result.archived[3]!;
    expect(archived.mam_id).toBe(live!.id);
    expect(archived.stanza_ids).toContainEqual({ id: live!.id, by: ROOM });
  });
});
