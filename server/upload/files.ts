import fs from 'node:fs';
import { open as openPath, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { SLOT_ID } from './secrets.js';
import { ReceiveError, type FileStore, type StoredFile } from '../storage/files.js';

export { ReceiveError } from '../storage/files.js';

/** Opens the temporary file a PUT streams into. Tests pass one that fails to simulate a broken disk. */
export type OpenWrite = (file: string) => Writable;

const openFile: OpenWrite = (file) =>
  // 'wx': never follow or reuse an existing file; flush: fsync before close, so a completed
  // upload that was answered 201 survives a power cut.
  fs.createWriteStream(file, { flags: 'wx', mode: 0o600, flush: true });

/**
 * The uploads folder: `<data_dir>/uploads/<slot id>` for complete files and `uploads/tmp/`
 * for bodies still arriving. A file appears under its slot id only once it is complete.
 */
export class UploadFiles implements FileStore {
  readonly root: string;
  readonly tmpDir: string;
  /** Temporary files being written now; the stray sweep leaves these alone. */
  private readonly writing = new Set<string>();

  /** `open` replaces how temporary files are opened (tests simulate a broken disk). */
  constructor(dataDir: string, private readonly openWrite: OpenWrite = openFile) {
    this.root = path.join(dataDir, 'uploads');
    this.tmpDir = path.join(this.root, 'tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  pathOf(id: string): string {
    return path.join(this.root, id);
  }

  /** Streams exactly `size` bytes from source into place as the file of slot `id`. */
  async receive(id: string, source: Readable, size: number): Promise<void> {
    const tmpName = `${id}.${randomBytes(6).toString('hex')}`;
    const tmpPath = path.join(this.tmpDir, tmpName);
    this.writing.add(tmpName);
    try {
      // The tmp folder may have been removed by hand while running; recreating it is cheap.
      // Synchronous, so that copy() listens to the body before anything can happen to it.
      fs.mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
      await copy(source, () => this.openWrite(tmpPath), size);
      await rename(tmpPath, this.pathOf(id)).catch((error: unknown) => {
        throw new ReceiveError('disk', error);
      });
      // The rename is durable only once the folder is synced: without it, a power cut after
      // the 201 could leave the record complete and the file back under tmp/.
      await syncDirectory(this.root).catch(async (error: unknown) => {
        await rm(this.pathOf(id), { force: true });
        throw new ReceiveError('disk', error);
      });
    } catch (error) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error instanceof ReceiveError ? error : new ReceiveError('disk', error);
    } finally {
      this.writing.delete(tmpName);
    }
  }

  async open(id: string): Promise<StoredFile | undefined> {
    const file = this.pathOf(id);
    try {
      const stats = await stat(file);
      if (!stats.isFile()) return undefined;
      return { size: stats.size, modifiedAt: stats.mtimeMs, read: (start, end) => fs.createReadStream(file, { start, end }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Deletes a slot's file; a file that is already gone is fine. */
  async remove(id: string): Promise<void> {
    await rm(this.pathOf(id), { force: true });
  }

  /**
   * Deletes temporary files nobody is writing (left by a crash or a stop mid-upload) and
   * files without a record (left by a crash between deleting a record and its file).
   * Returns how many it deleted.
   */
  async removeStrays(hasRecord: (id: string) => boolean): Promise<number> {
    let removed = 0;
    for (const entry of await readdirOrEmpty(this.tmpDir)) {
      if (!entry.isFile() || this.writing.has(entry.name)) continue;
      await rm(path.join(this.tmpDir, entry.name), { force: true });
      removed++;
    }
    for (const entry of await readdirOrEmpty(this.root)) {
      if (!entry.isFile()) continue;
      if (SLOT_ID.test(entry.name) && hasRecord(entry.name)) continue;
      await rm(path.join(this.root, entry.name), { force: true });
      removed++;
    }
    return removed;
  }
}

/** fsync of a directory, where the file system supports it (some answer EINVAL). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await openPath(dir, 'r');
  try {
    await handle.sync().catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
    });
  } finally {
    await handle.close();
  }
}

async function readdirOrEmpty(dir: string): Promise<fs.Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Pipes source into a new sink and settles once the sink is closed (flushed). Written by hand
 * rather than with pipeline() so that a failure is blamed on the side where it started:
 * pipeline() re-emits the source's error on the sink, which would make a client's abort
 * look like a disk failure.
 */
function copy(source: Readable, open: () => Writable, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (source.destroyed || source.readableEnded) {
      reject(new ReceiveError('client'));
      return;
    }
    let sink: Writable;
    try {
      sink = open();
    } catch (error) {
      reject(new ReceiveError('disk', error));
      return;
    }
    let received = 0;
    let settled = false;
    const fail = (error: ReceiveError) => {
      if (settled) return;
      settled = true;
      source.unpipe(sink);
      sink.destroy();
      reject(error);
    };
    sink.on('error', (error) => fail(new ReceiveError('disk', error)));
    sink.on('close', () => {
      if (settled) return;
      if (!sink.writableFinished) {
        fail(new ReceiveError('disk'));
        return;
      }
      settled = true;
      resolve();
    });
    source.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > size) fail(new ReceiveError('size'));
    });
    source.on('end', () => {
      if (received !== size) fail(new ReceiveError('size'));
    });
    source.on('error', (error) => fail(new ReceiveError('client', error)));
    source.on('close', () => {
      if (!source.readableEnded) fail(new ReceiveError('client'));
    });
    source.pipe(sink);
  });
}
