import type { Readable } from 'node:stream';

/**
 * Where the bytes of uploaded files live: a folder of data_dir (upload/files.ts, the default)
 * or, with [storage] backend = "postgres", the database itself (storage/postgres/upload-files.ts),
 * so that every node serves every file and a file outlives the node that received it.
 * A file is stored under its slot id and becomes visible only once complete.
 */
export interface FileStore {
  /**
   * Streams exactly `size` bytes from `source` in as the file of slot `id`. Rejects with a
   * ReceiveError that says whose fault a failure was.
   */
  receive(id: string, source: Readable, size: number): Promise<void>;
  /** The complete file of a slot, or undefined when there is none. */
  open(id: string): Promise<StoredFile | undefined>;
  /** Deletes a slot's file; a file that is already gone is fine. */
  remove(id: string): Promise<void>;
  /**
   * Deletes what an interrupted upload or a crash left: partial files nobody writes any more
   * and files without a record. Returns how many it deleted.
   */
  removeStrays(hasRecord: (id: string) => boolean): Promise<number>;
}

export interface StoredFile {
  size: number;
  /** When it was stored, Unix milliseconds (Last-Modified). */
  modifiedAt: number;
  /** Bytes `start` to `end`, both included. */
  read(start: number, end: number): Readable;
}

/** Why a PUT body could not be stored: the client's fault (4xx) or the store's (5xx). */
export class ReceiveError extends Error {
  constructor(readonly kind: 'client' | 'size' | 'disk', cause?: unknown) {
    super(kind === 'disk' ? 'could not write the upload' : kind === 'size' ? 'body size differs from the slot' : 'upload interrupted', { cause });
  }
}
