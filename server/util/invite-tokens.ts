import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe: the secret part of an invitation link. */
export function newInviteToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: its SHA-256, so that a copy of the data opens no accounts. */
export function inviteTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Compares two hashes in constant time. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A token as newInviteToken makes it; anything else is refused before the database is asked. */
export function looksLikeInviteToken(text: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(text);
}
