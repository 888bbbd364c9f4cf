/** A connection admitted by access control; release() when it ends. */
export interface Admission {
  release(): void;
}

/**
 * The network allowlist and per-address limits, applied by every listener at accept.
 * Returns null when the address may not connect.
 */
export interface AccessControl {
  admit(address: string): Admission | null;
}
