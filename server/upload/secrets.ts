import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Slot ids are 128 random bits: the GET URL is the only thing that guards a file. */
export function newSlotId(): string {
  return randomBytes(16).toString('base64url');
}

/** What newSlotId produces; anything else in a URL or in the uploads folder is not ours. */
export const SLOT_ID = /^[A-Za-z0-9_-]{22}$/;

/** The PUT secret: 256 random bits, shown once in the slot and stored only as a hash. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Compares a presented secret with the stored hash in constant time. */
export function secretMatches(presented: string, storedHash: Buffer): boolean {
  const presentedHash = hashSecret(presented);
  // timingSafeEqual throws on unequal lengths (a corrupt stored hash): that is a mismatch.
  return presentedHash.length === storedHash.length && timingSafeEqual(presentedHash, storedHash);
}
