import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { runScansion, scansionAvailable, scansionPassed } from '../helpers/scansion.js';

/**
 * Prosody's scansion conformance scripts (shared/conformance/scansion/README.md),
 * each against a fresh server (they assume empty state): domain localhost, MUC at
 * conference.localhost, any user signs in with any password (PLAIN on plain TCP).
 */
/** The scripts that must pass; the MUC's own scripts (muc_*) join this list as the MUC gains their features. */
const SCANSION_SCRIPTS: readonly string[] = [
  'basic',
  'basic_message',
  'basic_roster',
  'issue1121',
  'keep_full_sub_req',
  'issue505',
  'issue978',
  'issue978-multi',
  'issue1224',
];

describe.skipIf(!scansionAvailable)('Prosody scansion scripts', () => {
  for (const script of SCANSION_SCRIPTS) {
    it(`${script} passes`, async () => {
      const server = await startTestServer({ server: { auth: 'insecure' } });
      try {
        const output = await runScansion(server.c2sPort, script);
        expect(scansionPassed(output, script), output).toBe(true);
      } finally {
        await server.stop();
      }
    }, 130_000);
  }
});
