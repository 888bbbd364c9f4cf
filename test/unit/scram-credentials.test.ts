import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidPasswordError, SCRAM_HASHES, deriveAllScramCredentials, deriveScramCredentials, digest, hmac,
  normalizePassword, saltedPassword, scramKeys, verifyPassword,
} from '../../server/sasl/scram-credentials.js';
import type { ScramCredentials, ScramHash } from '../../server/storage/types.js';

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((x, i) => x ^ b[i]!));
}

/** Server-side check of a client proof using only what is stored, as scram.ts does. */
function checkExchange(
  hash: ScramHash, creds: ScramCredentials, authMessage: string, clientProof: string, serverSignature: string,
): void {
  const clientSignature = hmac(hash, creds.storedKey, authMessage);
  const clientKey = xor(Buffer.from(clientProof, 'base64'), clientSignature);
  expect(digest(hash, clientKey).equals(creds.storedKey)).toBe(true);
  expect(hmac(hash, creds.serverKey, authMessage).toString('base64')).toBe(serverSignature);
}

describe('RFC 5802 §5 example (SCRAM-SHA-1)', () => {
  const clientFirstBare = 'n=user,r=fyko+d2lbbFgONRv9qkxdawL';
  const serverFirst = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';
  const clientFinalNoProof = 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j';
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinalNoProof}`;
  const salt = Buffer.from('QSXCR+Q6sek8bf92', 'base64');

  it('derives credentials that verify the example proof and reproduce its signature', async () => {
    const creds = await deriveScramCredentials('pencil', 'SHA-1', 4096, salt);
    expect(creds.hash).toBe('SHA-1');
    expect(creds.iterations).toBe(4096);
    expect(creds.salt.equals(salt)).toBe(true);
    expect(creds.storedKey).toHaveLength(20);
    expect(creds.serverKey).toHaveLength(20);
    checkExchange('SHA-1', creds, authMessage, 'v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=', 'rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  });

  it('client side: SaltedPassword and ClientKey give the example ClientProof', async () => {
    const salted = await saltedPassword('pencil', 'SHA-1', salt, 4096);
    const { clientKey, storedKey } = scramKeys('SHA-1', salted);
    const proof = xor(clientKey, hmac('SHA-1', storedKey, authMessage));
    expect(proof.toString('base64')).toBe('v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
  });
});

describe('RFC 7677 §3 example (SCRAM-SHA-256)', () => {
  const authMessage =
    'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';

  it('derives credentials that verify the example proof and reproduce its signature', async () => {
    const creds = await deriveScramCredentials('pencil', 'SHA-256', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    expect(creds.storedKey).toHaveLength(32);
    checkExchange('SHA-256', creds, authMessage,
      'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  });
});

describe('deriveScramCredentials', () => {
  it('matches PBKDF2/HMAC computed independently (SHA-512)', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const creds = await deriveScramCredentials('correct horse', 'SHA-512', 10, salt);
    const salted = crypto.pbkdf2Sync('correct horse', salt, 10, 64, 'sha512');
    const clientKey = crypto.createHmac('sha512', salted).update('Client Key').digest();
    expect(creds.storedKey.equals(crypto.createHash('sha512').update(clientKey).digest())).toBe(true);
    expect(creds.serverKey.equals(crypto.createHmac('sha512', salted).update('Server Key').digest())).toBe(true);
  });

  it('draws a fresh 16-byte salt when none is given', async () => {
    const a = await deriveScramCredentials('pw', 'SHA-256', 1);
    const b = await deriveScramCredentials('pw', 'SHA-256', 1);
    expect(a.salt).toHaveLength(16);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.storedKey.equals(b.storedKey)).toBe(false);
  });

  it('rejects bad parameters', async () => {
    await expect(deriveScramCredentials('pw', 'SHA-256', 0)).rejects.toThrow(RangeError);
    await expect(deriveScramCredentials('pw', 'SHA-256', 1.5)).rejects.toThrow(RangeError);
    await expect(deriveScramCredentials('pw', 'SHA-256', 1, Buffer.alloc(0))).rejects.toThrow(RangeError);
    await expect(deriveScramCredentials('pw', 'MD5' as ScramHash, 1)).rejects.toThrow(TypeError);
    await expect(deriveScramCredentials('a\u0000b', 'SHA-256', 1)).rejects.toThrow(InvalidPasswordError);
  });

  it('deriveAllScramCredentials gives one set per hash, each with its own salt', async () => {
    const all = await deriveAllScramCredentials('pencil', 64);
    expect(all.map((c) => c.hash)).toEqual([...SCRAM_HASHES]);
    expect(all.map((c) => c.storedKey.length)).toEqual([20, 32, 64]);
    expect(new Set(all.map((c) => c.salt.toString('hex'))).size).toBe(3);
    for (const c of all) {
      expect(c.iterations).toBe(64);
      expect(await verifyPassword('pencil', c)).toBe(true);
    }
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and rejects wrong ones', async () => {
    const creds = await deriveScramCredentials('pencil', 'SHA-256', 16);
    expect(await verifyPassword('pencil', creds)).toBe(true);
    expect(await verifyPassword('Pencil', creds)).toBe(false);
    expect(await verifyPassword('pencil ', creds)).toBe(false);
    expect(await verifyPassword('', creds)).toBe(false);
  });

  it('is false, not an exception, for a password normalisation rejects', async () => {
    const creds = await deriveScramCredentials('pencil', 'SHA-1', 16);
    expect(await verifyPassword('pen\ncil', creds)).toBe(false);
    expect(await verifyPassword('\uD800', creds)).toBe(false);
  });

  it('is false when the stored key has another length (no timingSafeEqual throw)', async () => {
    const creds = await deriveScramCredentials('pencil', 'SHA-1', 16);
    expect(await verifyPassword('pencil', { ...creds, storedKey: creds.storedKey.subarray(0, 10) })).toBe(false);
    expect(await verifyPassword('pencil', { ...creds, storedKey: Buffer.alloc(0) })).toBe(false);
  });

  it('verifies the RFC 5802 credentials', async () => {
    const creds = await deriveScramCredentials('pencil', 'SHA-1', 4096, Buffer.from('QSXCR+Q6sek8bf92', 'base64'));
    expect(await verifyPassword('pencil', creds)).toBe(true);
  });

  it('equivalent spellings of a password verify alike', async () => {
    const creds = await deriveScramCredentials('caf\u00E9 au\u00A0lait', 'SHA-256', 16);
    expect(await verifyPassword('cafe\u0301 au lait', creds)).toBe(true);
  });
});

describe('normalizePassword', () => {
  it('leaves ASCII alone', () => {
    expect(normalizePassword('pencil')).toBe('pencil');
    expect(normalizePassword(' spaced out ~!@#')).toBe(' spaced out ~!@#');
    expect(normalizePassword('')).toBe('');
  });

  it('maps non-ASCII spaces to space, drops B.1 characters, applies NFKC (RFC 4013 §3 examples)', () => {
    expect(normalizePassword('I\u00ADX')).toBe('IX');
    expect(normalizePassword('user')).toBe('user');
    expect(normalizePassword('USER')).toBe('USER');
    expect(normalizePassword('\u00AA')).toBe('a');
    expect(normalizePassword('\u2168')).toBe('IX');
    expect(normalizePassword('a\u3000b\u2003c')).toBe('a b c');
    expect(normalizePassword('x\u200By\uFEFFz')).toBe('xyz');
    expect(normalizePassword('ｐａｓｓ')).toBe('pass');
  });

  it('rejects control, private-use, non-character and surrogate code points', () => {
    for (const bad of ['\u0007', 'a\u0000', 'a\tb', 'a\u007F', '\u0085', '\u2028', '\uE000', '\uFFFF', '\uD800x',
      'x\uDC00', '\u{10FFFD}', '\u202E', '\u{E0041}']) {
      expect(() => normalizePassword(bad), JSON.stringify(bad)).toThrow(InvalidPasswordError);
    }
  });

  it('accepts ordinary non-ASCII text and emoji', () => {
    expect(normalizePassword('pässwörd')).toBe('pässwörd');
    expect(normalizePassword('密码🔑')).toBe('密码🔑');
  });
});
