/**
 * A 1:1 call between a browser guest (the landing page in headless Chromium with a fake
 * camera and microphone) and an account holder whose client is Python: slixmpp for XMPP and
 * aiortc for WebRTC, with its own Jingle <-> SDP conversion (calls_python_jingle.py). The guest
 * calls the Python client, then the Python client calls the guest; each time frames go both
 * ways, and the Python side checks every Jingle stanza of the page against XEP-0166, -0167,
 * -0176, -0320 and -0353 (calls_python_checks.py), and a signal for an unknown session is refused.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, FAKE_MEDIA, Guest, launchBrowser, roomLink, startWebServer } from '../e2e/browser.js';
import { framesDecoded } from '../e2e/webcam-steps.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { addAccount, type TestServer } from '../helpers/server.js';

const python = requirePythonModules(['slixmpp', 'aiortc'], 'python3-slixmpp python3-aiortc');
const enabled = browserAvailable() && python.available;

interface ContentSummary {
  name: string; creator: string; senders: string; media: string | null; codecs: string[];
  transport: boolean; setup: string | null; candidates: number;
}
interface Received { action: string; media?: string[]; contents?: ContentSummary[]; group?: string | null }
interface CallReport { sid: string; frames: number; received: Received[]; problems: string[]; ice: string }
interface Result { error?: string; answered?: CallReport; called?: CallReport; unknown_session?: { type: string; condition?: string; jingle?: string[] } }

const ROOM = 'talk';
const GUEST = 'gina';
const ACCOUNT = 'pia';
// Frames the page decodes from the Python client before it hangs up (about two seconds of video):
// time for the Python side, slower to decode, to count its own.
const ENOUGH_FRAMES = 60;

describe.skipIf(!enabled)(enabled ? 'calls between the page and a Python Jingle client' : `calls with Python (skipped: ${python.reason})`, { timeout: 200_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let guest: Guest;

  beforeAll(async () => {
    browser = await launchBrowser(FAKE_MEDIA);
    server = await startWebServer({ tls: { require_encryption: true } });
    await addAccount(server, ACCOUNT, 'pia calls');
    guest = await Guest.open(browser);
    guest.page.on('console', (m) => { if (process.env.CALLS_DEBUG) console.log(GUEST, m.type(), m.text().slice(0, 400)); });
    await guest.joinByLink(roomLink(server, ROOM, GUEST));
  }, 120_000);

  afterAll(async () => {
    await guest?.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  const hangUpAfterFrames = async () => {
    await expect.poll(() => framesDecoded(guest, `${ACCOUNT} (call)`), { timeout: 30_000 }).toBeGreaterThan(ENOUGH_FRAMES);
    await guest.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => guest.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
  };

  it('the guest calls the Python client and it calls back; media flow both ways; the stanzas follow the XEPs', async () => {
    const run = runPythonScript('calls_python.py', [
      '127.0.0.1', String(server.c2sPort), `${ACCOUNT}@localhost/aiortc`, 'pia calls',
      `${ROOM}@conference.localhost`, ACCOUNT, GUEST,
    ], 190_000);

    try {
      // (a) The guest calls from the participant menu; the Python client answers at once.
      const inList = guest.page.locator('li.occupant', { hasText: ACCOUNT });
      await inList.waitFor({ timeout: 30_000 });
      await inList.locator('converse-dropdown button').first().click();
      await inList.getByRole('button', { name: 'Video call' }).click();
      await hangUpAfterFrames();

      // (b) The Python client calls; the guest answers.
      await guest.page.getByText(`${ACCOUNT} is calling you (video call).`).waitFor({ timeout: 30_000 });
      await guest.page.getByRole('button', { name: 'Answer' }).click();
      await hangUpAfterFrames();
    } catch (error) {
      // What the Python side saw explains most failures of the page's side.
      const seen = await Promise.race([run, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000))]);
      throw new Error(`${(error as Error).message}\nPython so far: ${seen ? `${seen.stdout}\n${seen.stderr.slice(-4000)}` : 'still running'}`);
    }

    const output = await run;
    const result = scriptResult<Result>(output);
    if (result.error) throw new Error(`the Python client failed: ${result.error}\n${JSON.stringify(result)}\n${output.stderr.slice(-4000)}`);
    const { answered, called } = result as Required<Result>;
    if (process.env.CALLS_DEBUG) console.log(`Python decoded ${answered.frames} frames answering, ${called.frames} calling`);

    // What the Python client decoded from the guest's fake camera.
    expect(answered.frames).toBeGreaterThan(10);
    expect(called.frames).toBeGreaterThan(10);
    // Nothing in the page's stanzas departs from the XEPs.
    expect(answered.problems).toEqual([]);
    expect(called.problems).toEqual([]);

    // (a) propose (audio and video), session-initiate with both contents bundled, candidates trickled, hang-up.
    const actionsOf = (report: CallReport) => report.received.map((r) => r.action).filter((a, i, all) => a !== all[i - 1]);
    expect(actionsOf(answered)).toEqual(['propose', 'session-initiate', 'transport-info', 'session-terminate']);
    expect(answered.received[0]!.media).toEqual(['audio', 'video']);
    const initiate = answered.received.find((r) => r.action === 'session-initiate')!;
    expect(initiate.group).toBe('BUNDLE');
    expect(initiate.contents!.map((c) => [c.media, c.creator, c.senders, c.setup])).toEqual([
      ['audio', 'initiator', 'both', 'actpass'], ['video', 'initiator', 'both', 'actpass']]);
    expect(initiate.contents!.find((c) => c.media === 'video')!.codecs).toContain('VP8');
    expect(initiate.contents!.find((c) => c.media === 'audio')!.codecs).toContain('opus');

    // (b) proceed, session-accept (the page's DTLS role chosen, not actpass), candidates, hang-up.
    expect(actionsOf(called)).toEqual(['proceed', 'session-accept', 'transport-info', 'session-terminate']);
    const accept = called.received.find((r) => r.action === 'session-accept')!;
    expect(accept.contents!.map((c) => [c.media, c.senders])).toEqual([['audio', 'both'], ['video', 'both']]);
    for (const content of accept.contents!) expect(['active', 'passive']).toContain(content.setup);
    // A signal for a session the page does not know is refused as XEP-0166 §7.2 says.
    expect(result.unknown_session).toEqual({ type: 'cancel', condition: 'item-not-found', jingle: ['{urn:xmpp:jingle:errors:1}unknown-session'] });
    expect(guest.errors).toEqual([]);
  });
});
