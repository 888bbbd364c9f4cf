import type { ServerContext } from '../core/context.js';
import type { UploadService } from './service.js';

/** How often expired uploads are deleted. GET checks expiry itself, so this only bounds disk use. */
export const SWEEP_INTERVAL_MS = 60_000;
const BATCH = 256;

export interface SweepResult {
  /** Expired records deleted with their files. */
  expired: number;
  /** Leftover temporary files and files without a record deleted. */
  strays: number;
}

/**
 * Deletes every record whose time is up (unused slots and expired files, also those that
 * expired while the server was stopped) and its file, then the stray files. A record goes
 * before its file: a crash in between leaves a stray file, which the next sweep removes,
 * never a record that points at nothing.
 */
export async function sweep(service: UploadService, stopped: () => boolean): Promise<SweepResult> {
  const result: SweepResult = { expired: 0, strays: 0 };
  for (;;) {
    if (stopped()) return result;
    const due = service.store.expired(service.ctx.now(), BATCH);
    const deletable = due.filter((record) => !service.receiving.has(record.id));
    for (const record of deletable) {
      service.store.delete(record.id);
      await service.files.remove(record.id);
      result.expired++;
      if (stopped()) return result;
    }
    if (due.length < BATCH || deletable.length === 0) break;
  }
  if (stopped()) return result;
  result.strays = await service.files.removeStrays((id) => stopped() || service.store.has(id));
  return result;
}

/** Sweeps now (catching what expired while stopped) and then every SWEEP_INTERVAL_MS until shutdown. */
export function startSweeper(service: UploadService, ctx: ServerContext): () => void {
  const run = () => {
    service.sweep().then((result) => {
      if (result.expired > 0 || result.strays > 0) ctx.log.info(result, 'deleted expired uploads');
    }, (error: unknown) => {
      ctx.log.warn({ err: error }, 'upload sweep failed; retrying at the next interval');
    });
  };
  run();
  const timer = setInterval(run, SWEEP_INTERVAL_MS);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    service.stop();
  };
  ctx.events.on('shutdown', stop);
  return stop;
}
