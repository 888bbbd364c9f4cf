/**
 * Storage interfaces. Features depend on these, never on SQLite or PostgreSQL directly. Each
 * has a SQLite implementation (storage/sqlite/, the default), a PostgreSQL one
 * (storage/postgres/, for several nodes) and a memory one (storage/memory/: unit tests, and
 * guests, whose data never touches the disk). All methods but close() are synchronous: the
 * embedded SQLite backend answers in microseconds and a sync API keeps handlers simple. The
 * PostgreSQL backend keeps the kept stores in memory as a mirror of its tables, loaded at
 * open and kept in step by change notifications, and writes behind through an ordered queue
 * (its index.ts states the consistency model). Cold paths that could turn to promises one
 * day (accounts at sign-in, rosters, user data, upload records, archive queries) are called
 * from handlers that can already await.
 */
import type { SecretStore } from './secrets.js';
import type { ArchiveStore } from './archive.js';
import type { RoomStore } from './rooms.js';
import type { UploadStore } from './uploads.js';
import type { OfflineStore } from './offline.js';
import type { InvitationStore } from './invitations.js';
import type { FileStore } from './files.js';

export type { ArchiveStore } from './archive.js';
export type { RoomStore } from './rooms.js';
export type { UploadStore } from './uploads.js';
export type { OfflineMessage, OfflineStore } from './offline.js';
export type { InvitationRecord, InvitationStore } from './invitations.js';
export type { FileStore, StoredFile } from './files.js';

export type ScramHash = 'SHA-1' | 'SHA-256' | 'SHA-512';

/** RFC 5802 stored credentials. The password itself is never stored. */
export interface ScramCredentials {
  hash: ScramHash;
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

export interface AccountStore {
  /** username is a normalised localpart; host a normalised domain. */
  exists(username: string, host: string): boolean;
  /** Creates the account with one credential set per hash; throws AccountExistsError if present. */
  create(username: string, host: string, credentials: ScramCredentials[]): void;
  /** Replaces all credentials; returns false if the account does not exist. */
  setCredentials(username: string, host: string, credentials: ScramCredentials[]): boolean;
  getCredentials(username: string, host: string, hash: ScramHash): ScramCredentials | undefined;
  /** Deletes the account and everything stored for it (roster, vcard, private data, archive, offline messages). */
  delete(username: string, host: string): boolean;
  list(host: string): string[];
}

export class AccountExistsError extends Error {}

export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  /** Bare JID of the contact, normalised. */
  jid: string;
  name?: string;
  subscription: Subscription;
  /** An outbound subscription request is pending. */
  ask?: boolean;
  /** Subscription pre-approved by the user (RFC 6121 §3.4). */
  approved?: boolean;
  groups: string[];
}

export interface Roster {
  version: number;
  items: RosterItem[];
}

/** user/contact are bare JID strings. Every change bumps the user's roster version. */
export interface RosterStore {
  get(user: string): Roster;
  getItem(user: string, contact: string): RosterItem | undefined;
  /** Inserts or replaces the item; returns the new roster version. */
  putItem(user: string, item: RosterItem): number;
  /** Removes the item if present; returns the new roster version. */
  removeItem(user: string, contact: string): number;
  /** Inbound subscription requests not yet answered, with the original stanza (XML string). */
  pendingIn(user: string): { from: string; stanza: string }[];
  addPendingIn(user: string, from: string, stanza: string): void;
  removePendingIn(user: string, from: string): void;
  /** Removes the user's roster and pending requests. */
  deleteUser(user: string): void;
}

/**
 * Small per-user XML documents (vcard-temp, private XML storage), keyed by a
 * namespace-like key. Values are serialised XML.
 */
export interface UserDataStore {
  get(user: string, key: string): string | undefined;
  /** A null value deletes. */
  set(user: string, key: string, value: string | null): void;
  deleteUser(user: string): void;
}

/** What is kept per user of a client host: an account's for good, a guest's while it is connected. */
export interface UserStorage {
  rosters: RosterStore;
  userData: UserDataStore;
  /** Forgets everything kept for the user (a bare JID). */
  deleteUser(user: string): void;
}

export interface Storage extends UserStorage {
  accounts: AccountStore;
  /** Persistent MUC rooms, their affiliations (bans included) and each MUC host's secret. */
  rooms: RoomStore;
  /** Archived room messages of rooms that are kept (persistent rooms). */
  archive: ArchiveStore;
  /** Archived messages of temporary rooms: in memory only, never on disk, capped in size. */
  temporaryArchive: ArchiveStore;
  /**
   * Account holders' one-to-one messages (XEP-0313 on the bare JID): keyed by the account's
   * bare JID (the store's `room`), the peer's bare JID as `nick`. Guests have none.
   */
  accountArchive: ArchiveStore;
  /** Messages held for accounts with no session (RFC 6121 §8.5.2.2.1). */
  offline: OfflineStore;
  /** Random keys generated once per server and kept across restarts (keyed address hashes). */
  secrets: SecretStore;
  /** HTTP upload records. */
  uploads: UploadStore;
  /** `palaver invite` links (by token hash). */
  invitations: InvitationStore;
  /** The bytes of uploaded files, when this backend keeps them (PostgreSQL); else they are files in data_dir/uploads. */
  uploadFiles?: FileStore;
  /**
   * Writes what is batched and closes; nothing is used after. SQLite is done when it
   * returns; PostgreSQL resolves once its write queue is committed and its pool ended.
   */
  close(): Promise<void>;
}
