import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { runScansion, scansionAvailable, scansionPassed } from '../helpers/scansion.js';

/**
 * Prosody's scansion conformance scripts (shared/conformance/scansion/README.md),
 * each against a fresh server (they assume empty state): domain localhost, MUC at
 * conference.localhost, any user signs in with any password (PLAIN on plain TCP).
 */
/**
 * The scripts that must pass: all 16 of @generic, and the @extended MUC scripts that apply to
 * Palaver. The other @extended MUC scripts test Prosody specifics: muc_create_destroy expects
 * Prosody's vCard avatar hash in occupant presence and its admin command for destroying
 * rooms; muc_nickname_robotface expects Prosody's refusal of the nick 🤖️, which RFC 7622
 * nickname rules allow; muc_show_offline needs Prosody's presencebroadcast room option.
 */
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
  'muc_affiliation_notify',
  'muc_mediated_invite',
  'muc_members_only_change',
  'muc_nickname_change',
  'muc_password',
  'muc_subject_issue_667',
  'muc_whois_anyone_member',
  // @extended
  'muc_register',
  'muc_members_only_deregister',
  'muc_presence_probe',
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
