/**
 * The accounts' archive (XEP-0313 on the bare JID) and offline messages, with slixmpp: two
 * accounts chat, then page and search their archives after the fact; preferences round trip;
 * a guest's disco has no MAM; messages to an offline account wait (up to the cap) through a
 * restart of the server on SQLite and arrive with a delay stamp at the next sign-in.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');
const OFFLINE_CAP = 3;

interface Live { from: string; body: string; stanza_id: string | null; delay: { from: string; stamp: string } | null }
interface Found { id: string; body: string }
interface Query { complete: boolean; count: string; results: Found[] }
interface ChatPhase {
  error?: string;
  bob_live: Live[];
  alice_pages: string[][];
  alice_count: string;
  alice_search: Query;
  alice_search_with: Query;
  bob_archive: Found[];
  prefs_before: unknown[];
  prefs_after: [string, string[], string[]];
  alice_count_after_never: string;
  alice_reads_bob: string;
  alice_features: string[];
  guest_features: string[];
  alice_errors: string[];
}
interface ReturnPhase { error?: string; before_presence: number; offline: Live[]; bob_archive: Found[] }

describe.skipIf(!python.available)(python.available ? 'account archive and offline messages with slixmpp' : `account archive (skipped: ${python.reason})`, () => {
  let server: TestServer;
  let chat: ChatPhase;
  let back: ReturnPhase;
  let dataDir = '';
  const startedAt = Date.now();

  async function run<T extends { error?: string }>(phase: string, port: number): Promise<T> {
    const output = await runPythonScript('account_mam_slixmpp.py', [
      phase, '127.0.0.1', String(port),
      'alice@localhost/slixmpp', 'alice archives', 'bob@localhost/slixmpp', 'bob archives',
      'anon.localhost', String(OFFLINE_CAP),
    ], 90_000);
    const result = scriptResult<T>(output);
    if (result.error) throw new Error(`slixmpp (${phase}) failed: ${result.error}\n${JSON.stringify(result)}\n${output.stderr.slice(-4000)}`);
    return result;
  }

  beforeAll(async () => {
    const config = { limits: { offline_messages: OFFLINE_CAP } };
    server = await startTestServer(config);
    dataDir = server.dataDir;
    await addAccount(server, 'alice', 'alice archives');
    await addAccount(server, 'bob', 'bob archives');
    chat = await run<ChatPhase>('chat', server.c2sPort);
    await server.stop();
    // The same data directory (SQLite) in a new server: what waited for bob is still there.
    server = await startTestServer(config, { dataDir });
    back = await run<ReturnPhase>('return', server.c2sPort);
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('pages through the conversation "with" the peer, after the fact, with RSM', () => {
    // Alice's five and bob's one reply, two a page, oldest first.
    expect(chat.alice_pages).toEqual([['one', 'two banana bread'], ['three', 'four'], ['five', 'a banana for you']]);
    expect(chat.alice_count).toBe('6');
  });

  it('finds messages by full-text search, alone or with a peer', () => {
    expect(chat.alice_search.results.map((found) => found.body)).toEqual(['two banana bread', 'a banana for you']);
    expect(chat.alice_search_with.results.map((found) => found.body)).toEqual(['two banana bread']);
  });

  it('stamps the live copy with the stanza-id that is the recipient\'s MAM id', () => {
    const live = chat.bob_live.map((message) => message.stanza_id);
    expect(live.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(chat.bob_archive.slice(0, 5).map((found) => found.id)).toEqual(live);
  });

  it('round-trips preferences, and never keeps what they exclude', () => {
    expect(chat.prefs_before[0]).toBe('always');
    expect(chat.prefs_after).toEqual(['roster', ['carol@localhost'], ['bob@localhost']]);
    expect(chat.alice_count_after_never).toBe('6');
  });

  it('lets only the account read its archive', () => {
    expect(chat.alice_reads_bob).toBe('forbidden');
  });

  it('advertises MAM on an account and none on a guest', () => {
    expect(chat.alice_features).toContain('urn:xmpp:mam:2');
    expect(chat.guest_features).not.toContain('urn:xmpp:mam:2');
    expect(chat.guest_features.length).toBeGreaterThan(0);
  });

  it('bounces a message past the offline cap with service-unavailable', () => {
    expect(chat.alice_errors).toEqual(['service-unavailable']);
  });

  it('delivers offline messages kept through a restart after initial presence, with a delay stamp', () => {
    expect(back.before_presence).toBe(0);
    expect(back.offline.map((message) => message.body)).toEqual(['while you were away 1', 'while you were away 2', 'while you were away 3']);
    for (const message of back.offline) {
      expect(message.from).toBe('alice@localhost/slixmpp');
      expect(message.delay?.from).toBe('localhost');
      expect(Date.parse(message.delay!.stamp)).toBeGreaterThanOrEqual(startedAt - 1000);
    }
    // They are in bob's archive too, under the stanza-ids they arrive with; the fourth bounced, so it is not.
    const archived = back.bob_archive.filter((found) => found.body.startsWith('while you were away'));
    expect(archived.map((found) => found.body)).toEqual(back.offline.map((message) => message.body));
    expect(archived.map((found) => found.id)).toEqual(back.offline.map((message) => message.stanza_id));
  });
});
