/**
 * `<data_dir>/palaver.pid`: written by `palaver start` once the server listens, read by
 * `palaver reload` to find whom to signal, removed at stop. Mode 0600: only the server's
 * user (and root) may read it, and only they may signal the process anyway.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/types.js';

export function pidFilePath(config: Pick<Config, 'server'>): string {
  return path.join(config.server.data_dir, 'palaver.pid');
}

/** Replaces any leftover file (a crashed server's), so that the mode is ours. */
export function writePidFile(file: string, pid: number = process.pid): void {
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, `${pid}\n`, { mode: 0o600, flag: 'wx' });
}

/** Removes the file if it still names this process (another server may have taken over the directory). */
export function removePidFile(file: string, pid: number = process.pid): void {
  try {
    if (readPidFile(file) === pid) fs.rmSync(file, { force: true });
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}

/** The pid in the file; throws the file system's error (ENOENT when no server wrote one). */
export function readPidFile(file: string): number | null {
  const text = fs.readFileSync(file, 'utf8').trim();
  return /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null;
}
