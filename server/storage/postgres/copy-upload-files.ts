/**
 * `palaver migrate --to-postgres`: the files of completed uploads, from data_dir/uploads into
 * upload_blobs and upload_chunks, streamed chunk by chunk on the migration's transaction.
 * A record whose file is missing from the folder (deleted by hand) has nothing to copy: it is
 * left out of the count, and the upload answers 404 as it did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Database } from '../sqlite/database.js';
import { writeBlob } from './upload-files.js';

interface CompletedUpload { id: string; size: number; completed_at: number }

function filesOf(source: Database): { upload: CompletedUpload; file: string }[] {
  const folder = path.join(path.dirname(source.name), 'uploads');
  const uploads = source.prepare('SELECT id, size, completed_at FROM uploads WHERE completed_at IS NOT NULL ORDER BY id').all() as CompletedUpload[];
  return uploads.map((upload) => ({ upload, file: path.join(folder, upload.id) })).filter(({ upload, file }) => {
    const stats = fs.statSync(file, { throwIfNoEntry: false });
    return stats?.isFile() === true && stats.size === upload.size;
  });
}

/** How many upload files there are to copy. */
export function countUploadFiles(source: Database): number {
  return filesOf(source).length;
}

/** Copies every completed upload's file; resolves with how many. */
export async function copyUploadFilesFromDisk(source: Database, target: pg.PoolClient): Promise<number> {
  let count = 0;
  for (const { upload, file } of filesOf(source)) {
    await writeBlob(target, upload.id, randomBytes(16).toString('base64url'), fs.createReadStream(file), upload.size, () => upload.completed_at);
    count++;
  }
  return count;
}
