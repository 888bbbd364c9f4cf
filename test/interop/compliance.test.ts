/**
 * The checks of the Conversations Compliance Suite (2023, "Advanced Client" and "Advanced
 * Server" lists) that a server answers by advertising, as slixmpp sees them on Palaver: the
 * features a client looks for on the server, on the account's bare JID and on the services the
 * server lists, and the stream features after sign-in. That each feature works is tested
 * beside it (pep-, blocking-, stream-management-, account-mam-, proxy65-slixmpp and others).
 * Push (XEP-0357) is not advertised: it needs server-to-server connections, which Palaver
 * does not open (README).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { RawXmpp, scramAuth } from '../helpers/raw-xmpp.js';

const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');
if (!python.available) throw new Error(`the compliance test needs slixmpp: ${python.reason}`);
const PASSWORD = 'compliance in slixmpp';

interface Info { identities: string[]; features: string[] }
interface ComplianceResult { error?: string; server?: Info; account?: Info; items?: Record<string, Info> }

describe('what the Conversations Compliance Suite checks, as slixmpp finds it', () => {
  let server: TestServer;
  let result: ComplianceResult;

  beforeAll(async () => {
    // A STUN server configured (none runs: only its announcement is checked here; calls.test.ts uses coturn).
    server = await startTestServer({ proxy: { listen: '127.0.0.1:0' }, calls: { stun_uri: 'stun:127.0.0.1:3478' } });
    await addAccount(server, 'alice', PASSWORD);
    const run = await runPythonScript('compliance_slixmpp.py', ['127.0.0.1', String(server.c2sPort), 'alice@localhost/compliance', PASSWORD]);
    result = scriptResult<ComplianceResult>(run);
    if (result.error) throw new Error(`slixmpp failed: ${result.error}\n${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  }, 90_000);
  afterAll(() => server?.stop());

  /** The service among the server's items whose identity is `category/type`. */
  const service = (identity: string): Info | undefined => Object.values(result.items ?? {}).find((info) => info.identities.includes(identity));

  it('the server: blocking (XEP-0191), carbons (XEP-0280), external services (XEP-0215), ping, no push (XEP-0357)', () => {
    const features = result.server!.features;
    for (const feature of [
      'urn:xmpp:blocking', // XEP-0191
      'urn:xmpp:carbons:2', // XEP-0280
      'urn:xmpp:ping',
      'jabber:iq:version',
      'urn:xmpp:extdisco:2', // XEP-0215
    ]) expect(features, feature).toContain(feature);
    expect(features.some((feature) => feature.startsWith('urn:xmpp:push'))).toBe(false);
  });

  it('the account: PEP with publish-options (XEP-0163, for OMEMO and bookmarks), MAM (XEP-0313), bookmarks compat (XEP-0411)', () => {
    const { identities, features } = result.account!;
    expect(identities).toContain('pubsub/pep');
    for (const feature of [
      'http://jabber.org/protocol/pubsub#publish-options',
      'urn:xmpp:mam:2',
      'urn:xmpp:sid:0',
      'urn:xmpp:bookmarks:1#compat',
    ]) expect(features, feature).toContain(feature);
  });

  it('the services: MUC with MAM (XEP-0045), HTTP upload (XEP-0363), SOCKS5 proxy (XEP-0065)', () => {
    const muc = service('conference/text');
    expect(muc?.features).toContain('http://jabber.org/protocol/muc');
    expect(service('store/file')?.features).toContain('urn:xmpp:http:upload:0');
    expect(service('proxy/bytestreams')?.features).toContain('http://jabber.org/protocol/bytestreams');
  });

  it('stream features after sign-in: stream management (XEP-0198), CSI (XEP-0352), roster versioning, server caps (XEP-0115)', async () => {
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    try {
      await raw.open({ to: 'localhost' });
      expect((await scramAuth(raw, 'alice', PASSWORD)).success).toBe(true);
      const features = await raw.open({ to: 'localhost' });
      expect(features.getChild('sm', 'urn:xmpp:sm:3')).toBeDefined();
      expect(features.getChild('csi', 'urn:xmpp:csi:0')).toBeDefined();
      expect(features.getChild('ver', 'urn:xmpp:features:rosterver')).toBeDefined();
      expect(features.getChild('c', 'http://jabber.org/protocol/caps')).toBeDefined();
    } finally {
      raw.destroy();
    }
  });
});
