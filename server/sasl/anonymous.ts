/**
 * ANONYMOUS (RFC 4505). Always offered by this mechanism; the negotiator includes it only on
 * the anonymous host. Any trace data the client sends is ignored and never logged. Each
 * success gets a fresh unguessable localpart: 16 bytes from the crypto.randomBytes pool, base32
 * lowercase (26 characters).
 */
import { randomBytesPooled } from '../util/random-ids.js';
import type { SaslExchange, SaslMechanism, SaslStep } from './mechanism.js';
import { fail } from './util.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 26 lowercase base32 characters (RFC 4648 alphabet, no padding) from 128 random bits. */
export function randomLocalpart(): string {
  const bytes = randomBytesPooled(16);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function anonymousMechanism(): SaslMechanism {
  return {
    name: 'ANONYMOUS',
    createsGuest: true,
    offered: () => true,
    start: (): SaslExchange => {
      let done = false;
      return {
        // The trace data is deliberately unused.
        step: async (_trace: Buffer): Promise<SaslStep> => {
          if (done) return fail('malformed-request', 'unexpected ANONYMOUS message');
          done = true;
          return { kind: 'success', username: randomLocalpart() };
        },
      };
    },
  };
}
