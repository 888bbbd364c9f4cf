import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/server.js';

/**
 * The MUC scripts among Prosody's scansion conformance scripts (see
 * /work/shared/conformance/scansion/README.md), each against a fresh server, as they assume
 * empty state. The @extended MUC scripts that pass run here too; the others, and why they
 * fail, are listed below.
 */
const RUNNER = '/work/shared/conformance/scansion/run.sh';

const MUC_SCRIPTS: readonly string[] = [
  // @generic
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

function runScript(port: number, script: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(RUNNER, ['127.0.0.1', String(port), script], { timeout: 120_000 }, (_error, stdout, stderr) => {
      resolve(`${stdout}${stderr}`);
    });
  });
}

const available = fs.existsSync(RUNNER);
if (!available && process.env.CI) throw new Error(`the scansion runner is missing: ${RUNNER}`);

describe.skipIf(!available)('Prosody scansion scripts for rooms', () => {
  for (const script of MUC_SCRIPTS) {
    it(`${script} passes`, async () => {
      const server = await startTestServer({ server: { auth: 'insecure' } });
      try {
        const output = await runScript(server.c2sPort, script);
        const passed = output.split('\n').some((line) => line.startsWith(`PASS ${script} `));
        expect(passed, output).toBe(true);
      } finally {
        await server.stop();
      }
    }, 130_000);
  }
});
