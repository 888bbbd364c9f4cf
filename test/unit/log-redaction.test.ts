import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../../server/log.js';
import { xml } from '../../server/xml/element.js';
import { uploadService } from '../../server/upload/service.js';
import { requestSlot } from '../../server/upload/slots.js';
import { uploadFixture } from './upload-fixture.js';

/** A real slot, as the upload service hands it out, and its secret. */
function realSlot(): { slot: ReturnType<typeof xml>; secret: string } {
  const fixture = uploadFixture();
  try {
    const slot = requestSlot(uploadService(fixture.ctx), { quotaKey: 'alice@localhost', isGuest: false },
      xml('request', { xmlns: 'urn:xmpp:http:upload:0', filename: 'f.txt', size: '5', 'content-type': 'text/plain' }));
    const secret = new URL(slot.getChild('put')!.attrs.url as string).searchParams.get('token')!;
    return { slot, secret };
  } finally {
    fixture.close();
    fs.rmSync(fixture.dataDir, { recursive: true, force: true });
  }
}

function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger({ log: { level: 'trace', ip_addresses: false } }, { write: (line: string) => { lines.push(line); } });
  return { lines, log };
}

describe('upload slot secrets in the log', () => {
  it('are redacted from every field, message and error, at every level', () => {
    const { slot, secret } = realSlot();
    const putUrl = slot.getChild('put')!.attrs.url as string;
    const { lines, log } = capture();
    log.trace({ url: putUrl }, 'PUT');
    log.debug({ stanza: slot.toString() }, 'sending a slot');
    log.info(`request headers: Authorization: Bearer ${secret}`);
    log.warn({ headers: { authorization: `bearer ${secret}` } }, 'odd header');
    log.error({ err: new Error(`could not fetch ${putUrl}`) }, 'failed');
    log.fatal({ escaped: encodeURIComponent(putUrl) }, 'escaped');
    expect(lines).toHaveLength(6);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).toContain('[redacted]');
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it('leaves ordinary text alone', () => {
    const line = JSON.stringify({ msg: 'tokens are 5, token bucket full', url: 'https://chat.example/upload/abc/f.txt' });
    expect(redactSecrets(line)).toBe(line);
  });
});
