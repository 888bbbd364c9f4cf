/**
 * Records of HTTP uploads (XEP-0363). A record is made when a slot is handed out and
 * completed when its PUT succeeds; the file itself is in the FileStore (files.ts).
 */
export interface UploadRecord {
  /** The random slot id, also the file's name on disk. */
  id: string;
  /** SHA-256 of the slot's PUT secret (the secret itself is never stored). */
  secretHash: Buffer;
  /** Whom quotas count against: an account's bare JID, or a keyed hash of a guest's network (never a guest's JID or address). */
  uploader: string;
  /** The sanitised file name that appears in the URLs. */
  fileName: string;
  size: number;
  contentType: string;
  createdAt: number;
  /** Before completion: the PUT deadline. After: when the file expires. Unix milliseconds. */
  expiresAt: number;
  /** When the PUT completed, or null while the slot waits for its PUT. */
  completedAt: number | null;
}

export interface UploadStore {
  add(record: UploadRecord): void;
  get(id: string): UploadRecord | undefined;
  has(id: string): boolean;
  /** Marks a pending slot uploaded; false when there is no pending slot with this id. */
  complete(id: string, completedAt: number, expiresAt: number): boolean;
  delete(id: string): boolean;
  /** Bytes of the uploader's slots created at or after `since` that are still live at `now`. */
  bytesBy(uploader: string, since: number, now: number): number;
  /** The creation time of the uploader's oldest live slot created at or after `since`. */
  oldestBy(uploader: string, since: number, now: number): number | undefined;
  /** Bytes of every live slot (reserved or uploaded): what the disk quota counts. */
  bytesStored(now: number): number;
  /** Up to `limit` records whose expiry is at or before `now`, oldest first. */
  expired(now: number, limit: number): UploadRecord[];
  /**
   * A store shared by several nodes (PostgreSQL) reads the record again from the database,
   * for a node whose copy may lag another node's change (a slot handed out on one node is
   * PUT through another). Without it, get() is the whole truth.
   */
  fetch?(id: string): Promise<UploadRecord | undefined>;
  /** A shared store resolves once this node's changes so far are committed, so every node sees them. */
  committed?(): Promise<void>;
}
