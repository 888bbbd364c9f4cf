/**
 * RFC 5802 credential derivation, shared by SCRAM (account creation, password change)
 * and PLAIN (verifying a cleartext password against the stored keys).
 *
 *   SaltedPassword = Hi(Normalize(password), salt, i)        Hi = PBKDF2-HMAC-H, dkLen = |H|
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")
 *   StoredKey      = H(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 *
 * PBKDF2 runs through the asynchronous crypto.pbkdf2 (libuv thread pool), never the
 * Sync variant, so a login does not block the event loop for milliseconds. It still
 * occupies a pool thread: callers should throttle failed attempts.
 *
 * Password normalisation (normalizePassword) is a pragmatic subset of SASLprep
 * (RFC 4013, the stringprep profile SCRAM asks for):
 *   1. characters "commonly mapped to nothing" (RFC 3454 B.1: soft hyphen, zero-width
 *      joiners, variation selectors, BOM, …) are removed;
 *   2. non-ASCII space characters (RFC 3454 C.1.2, e.g. U+00A0, U+3000) become U+0020;
 *   3. the result is normalised to Unicode NFKC;
 *   4. it is rejected (InvalidPasswordError) if it contains ASCII or non-ASCII control
 *      characters (C.2.1, C.2.2), private-use code points (C.3), non-characters (C.4),
 *      lone surrogates (C.5), or the C.6-C.9 characters (U+FFF9-U+FFFD, U+2FF0-U+2FFB,
 *      U+0340/U+0341, U+200E/U+200F, U+202A-U+202E, U+206A-U+206F, tag characters).
 * Not done: the unassigned-code-point check (JavaScript's Unicode tables are newer than
 * stringprep's Unicode 3.2) and the bidi rule (RFC 3454 §6). For ASCII passwords, the
 * common case, this is exactly SASLprep; clients that skip SASLprep entirely (several
 * do) still interoperate for any password that is already NFKC without odd spaces.
 * An empty password is not rejected here; password policy belongs to the caller.
 */
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { ScramCredentials, ScramHash } from '../storage/types.js';

const pbkdf2 = promisify(crypto.pbkdf2);

export const SCRAM_HASHES: readonly ScramHash[] = ['SHA-1', 'SHA-256', 'SHA-512'];

/** Salt length for newly derived credentials, in bytes. */
export const SALT_LENGTH = 16;

export class InvalidPasswordError extends Error {}

const NODE_HASH: Record<ScramHash, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-512': 'sha512',
};

const HASH_LENGTH: Record<ScramHash, number> = {
  'SHA-1': 20,
  'SHA-256': 32,
  'SHA-512': 64,
};

/** Node's crypto name for a SCRAM hash ("sha1", "sha256", "sha512"). */
function nodeHashName(hash: ScramHash): string {
  const name = NODE_HASH[hash];
  if (!name) throw new TypeError(`unknown SCRAM hash ${String(hash)}`);
  return name;
}

/** Output length of the hash in bytes (also the SaltedPassword length). */
export function hashLength(hash: ScramHash): number {
  nodeHashName(hash);
  return HASH_LENGTH[hash];
}

export function hmac(hash: ScramHash, key: Buffer, data: Buffer | string): Buffer {
  return crypto.createHmac(nodeHashName(hash), key).update(data).digest();
}

export function digest(hash: ScramHash, data: Buffer | string): Buffer {
  return crypto.createHash(nodeHashName(hash)).update(data).digest();
}

/** RFC 3454 B.1: mapped to nothing. */
const MAP_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
/** RFC 3454 C.1.2: non-ASCII space characters, mapped to U+0020. */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
/** RFC 3454 C.2-C.9 (see the module comment); \p{Cs} catches lone surrogates. */
const PROHIBITED = new RegExp(
  '[' +
  '\\u0000-\\u001F\\u007F' +                                    // C.2.1 ASCII control
  '\\u0080-\\u009F\\u06DD\\u070F\\u180E\\u200C\\u200D\\u2028\\u2029' +
  '\\u2060-\\u2063\\u206A-\\u206F\\uFEFF\\uFFF9-\\uFFFC' +
  '\\u{1D173}-\\u{1D17A}' +                                      // C.2.2 non-ASCII control
  '\\uE000-\\uF8FF\\u{F0000}-\\u{FFFFD}\\u{100000}-\\u{10FFFD}' + // C.3 private use
  '\\uFDD0-\\uFDEF\\uFFFE\\uFFFF' +
  '\\u{1FFFE}\\u{1FFFF}\\u{2FFFE}\\u{2FFFF}\\u{3FFFE}\\u{3FFFF}\\u{4FFFE}\\u{4FFFF}' +
  '\\u{5FFFE}\\u{5FFFF}\\u{6FFFE}\\u{6FFFF}\\u{7FFFE}\\u{7FFFF}\\u{8FFFE}\\u{8FFFF}' +
  '\\u{9FFFE}\\u{9FFFF}\\u{AFFFE}\\u{AFFFF}\\u{BFFFE}\\u{BFFFF}\\u{CFFFE}\\u{CFFFF}' +
  '\\u{DFFFE}\\u{DFFFF}\\u{EFFFE}\\u{EFFFF}\\u{FFFFE}\\u{FFFFF}\\u{10FFFE}\\u{10FFFF}' + // C.4
  '\\p{Cs}' +                                                    // C.5 surrogates
  '\\uFFFD' +                                                    // C.6 (U+FFF9-FFFC above)
  '\\u2FF0-\\u2FFB' +                                            // C.7
  '\\u0340\\u0341\\u200E\\u200F\\u202A-\\u202E' +                // C.8 (U+206A-206F above)
  '\\u{E0001}\\u{E0020}-\\u{E007F}' +                            // C.9 tagging
  ']',
  'u',
);

const LONE_SURROGATE = /\p{Cs}/u;

/** SASLprep-style normalisation (see the module comment). Throws InvalidPasswordError. */
export function normalizePassword(password: string): string {
  if (typeof password !== 'string') throw new InvalidPasswordError('password must be a string');
  // Lone surrogates survive NFKC and would become U+FFFD when encoded: reject them first.
  if (LONE_SURROGATE.test(password)) throw new InvalidPasswordError('password is not well-formed Unicode');
  const mapped = password.replace(MAP_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
  if (PROHIBITED.test(mapped)) {
    throw new InvalidPasswordError('password contains control or prohibited characters');
  }
  return mapped;
}

function checkParams(hash: ScramHash, salt: Buffer, iterations: number): void {
  nodeHashName(hash);
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new RangeError(`invalid PBKDF2 iteration count ${iterations}`);
  }
  if (!Buffer.isBuffer(salt) || salt.length === 0) throw new RangeError('salt must be a non-empty Buffer');
}

/**
 * SaltedPassword = Hi(Normalize(password), salt, i). Used by PLAIN verification and by
 * derivation below. Throws InvalidPasswordError for passwords normalisation rejects.
 */
export async function saltedPassword(
  password: string, hash: ScramHash, salt: Buffer, iterations: number,
): Promise<Buffer> {
  checkParams(hash, salt, iterations);
  const normalized = Buffer.from(normalizePassword(password), 'utf8');
  return pbkdf2(normalized, salt, iterations, hashLength(hash), nodeHashName(hash));
}

/** The keys RFC 5802 derives from SaltedPassword. ClientKey is secret: never store it. */
export function scramKeys(
  hash: ScramHash, salted: Buffer,
): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(hash, salted, 'Client Key');
  return {
    clientKey,
    storedKey: digest(hash, clientKey),
    serverKey: hmac(hash, salted, 'Server Key'),
  };
}

/** Derives the stored credentials for one hash; salt defaults to 16 random bytes. */
export async function deriveScramCredentials(
  password: string, hash: ScramHash, iterations: number, salt?: Buffer,
): Promise<ScramCredentials> {
  const s = salt ?? crypto.randomBytes(SALT_LENGTH);
  const { storedKey, serverKey } = scramKeys(hash, await saltedPassword(password, hash, s, iterations));
  return { hash, salt: Buffer.from(s), iterations, storedKey, serverKey };
}

/** One credential set per supported hash (SHA-1, SHA-256, SHA-512), each with its own salt. */
export async function deriveAllScramCredentials(
  password: string, iterations: number,
): Promise<ScramCredentials[]> {
  return Promise.all(SCRAM_HASHES.map((h) => deriveScramCredentials(password, h, iterations)));
}

/**
 * Checks a cleartext password (PLAIN) against stored credentials by recomputing
 * StoredKey; constant-time comparison. False for a wrong password or one that
 * normalisation rejects; throws only for malformed credentials.
 */
export async function verifyPassword(password: string, creds: ScramCredentials): Promise<boolean> {
  let salted: Buffer;
  try {
    salted = await saltedPassword(password, creds.hash, creds.salt, creds.iterations);
  } catch (err) {
    if (err instanceof InvalidPasswordError) return false;
    throw err;
  }
  const { storedKey } = scramKeys(creds.hash, salted);
  const expected = creds.storedKey;
  if (storedKey.length !== expected.length) {
    // timingSafeEqual throws on unequal lengths; still spend a comparison's time.
    crypto.timingSafeEqual(storedKey, storedKey);
    return false;
  }
  return crypto.timingSafeEqual(storedKey, expected);
}
