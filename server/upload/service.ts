import type { ServerContext } from '../core/context.js';
import { serviceKey } from '../core/services.js';
import type { UploadStore } from '../storage/uploads.js';
import type { FileStore } from '../storage/files.js';
import { keyedAddressHash } from '../access/address-hash.js';
import { UploadFiles } from './files.js';
import { encodeNameForUrl } from './names.js';

/**
 * The state the upload module (slot requests, sweeper) and the HTTP routes share: the
 * records, the files and the uploads in progress. One per running server (the UPLOAD service).
 */
export class UploadService {
  readonly store: UploadStore;
  /** The database's file store when it has one (PostgreSQL), else data_dir/uploads. */
  readonly files: FileStore;
  /** Slots whose PUT body is arriving now: the sweeper spares them and a second PUT is refused. */
  readonly receiving = new Set<string>();
  private running: Promise<SweepResult> | null = null;
  private stopped = false;
  /** Kept in the database, so guests' quotas survive a restart. */
  private readonly guestQuotaSecret: Buffer;

  constructor(readonly ctx: ServerContext) {
    this.store = ctx.storage.uploads;
    this.files = ctx.storage.uploadFiles ?? new UploadFiles(ctx.config.server.data_dir);
    this.guestQuotaSecret = ctx.storage.secrets.secret(GUEST_QUOTA_SECRET);
  }

  /**
   * Whom a guest's uploads count against: their network (IPv4 address or IPv6 /64) as a
   * keyed hash, not their JID, which is new at every sign-in. The address is never stored.
   */
  guestQuotaKey(remoteAddress: string): string {
    return `guest:${keyedAddressHash(this.guestQuotaSecret, GUEST_QUOTA_SECRET, remoteAddress).toString('base64url')}`;
  }

  /** Where the file of a slot is downloaded from. */
  getUrl(id: string, fileName: string): string {
    return `${this.ctx.config.listen.public_url}/upload/${id}/${encodeNameForUrl(fileName)}`;
  }

  /** Deletes expired uploads and stray files; a sweep already running is awaited instead. */
  sweep(): Promise<SweepResult> {
    if (this.stopped) return Promise.resolve({ expired: 0, strays: 0 });
    this.running ??= sweep(this, () => this.stopped).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** No sweep starts after this (the database is about to close). */
  stop(): void {
    this.stopped = true;
  }
}

const GUEST_QUOTA_SECRET = 'upload-guest-quota';

/** Provided by the upload module; the HTTP routes serve its files. */
export const UPLOAD = serviceKey<UploadService>('upload');

/** How often expired uploads are deleted. GET checks expiry itself, so this only bounds disk use. */
const SWEEP_INTERVAL_MS = 60_000;
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
async function sweep(service: UploadService, stopped: () => boolean): Promise<SweepResult> {
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
      if (result.expired > 0) ctx.events.emit('uploads-expired', result.expired);
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
