/**
 * Invitations to open an account (`palaver invite`): each is known by the SHA-256 of its
 * token, never the token itself, so that a copy of the database opens no accounts. The
 * interface is asynchronous: on PostgreSQL taking an invitation is one atomic UPDATE, so two
 * nodes never both honour the same link.
 */
export interface InvitationRecord {
  tokenHash: Buffer;
  /** Unix milliseconds. */
  expiresAt: number;
  used: boolean;
}

export interface InvitationStore {
  create(tokenHash: Buffer, expiresAt: number): Promise<void>;
  find(tokenHash: Buffer): Promise<InvitationRecord | undefined>;
  /** Marks the invitation used if it is unused and unexpired at `now`; true for one caller only. */
  take(tokenHash: Buffer, now: number): Promise<boolean>;
  /** Gives back an invitation taken for an account that could not be created after all. */
  release(tokenHash: Buffer): Promise<void>;
  /** Forgets invitations that expired before `now`; returns how many. */
  deleteExpired(now: number): Promise<number>;
}
