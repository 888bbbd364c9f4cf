import type { PostgresMigration } from './types.js';

/**
 * The bytes of uploaded files (storage/postgres/upload-files.ts), so that every node serves
 * every file and a file outlives the node that received it. One PUT writes one blob, in
 * chunks of `chunk_size` bytes (the last one shorter), each committed as it arrives; the blob
 * becomes the slot's file (`file_id`) only once complete. A blob nobody completed is a
 * leftover of an interrupted PUT, deleted once `touched_at` (its last chunk) is old.
 * Deleting a blob deletes its chunks. Not mirrored and without a change trigger: the bytes
 * are read when served.
 */
export const uploadFiles: PostgresMigration = {
  version: 3,
  name: 'upload-files',
  up: `
    CREATE TABLE upload_blobs (
      blob         text PRIMARY KEY,            -- random, one per PUT
      file_id      text UNIQUE,                 -- the slot id once complete; NULL while arriving
      size         bigint NOT NULL CHECK (size >= 0),
      chunk_size   integer NOT NULL CHECK (chunk_size > 0),
      touched_at   bigint NOT NULL,             -- unix milliseconds of the last chunk written
      completed_at bigint
    );
    CREATE TABLE upload_chunks (
      blob text NOT NULL REFERENCES upload_blobs (blob) ON DELETE CASCADE,
      seq  integer NOT NULL CHECK (seq >= 0),
      data bytea NOT NULL,
      PRIMARY KEY (blob, seq)
    );
    -- Large chunks: stored out of line without compression (uploads are mostly compressed media).
    ALTER TABLE upload_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  `,
};
