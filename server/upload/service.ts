import type { ServerContext } from '../core/context.js';
import type { UploadStore } from '../storage/uploads.js';
import { SqliteUploadStore } from '../storage/sqlite/uploads.js';
import { SqliteSecretStore } from '../storage/sqlite/secrets.js';
import { keyedAddressHash } from '../access/address-hash.js';
import { UploadFiles } from './files.js';
import { encodeNameForUrl } from './names.js';
import { sweep, type SweepResult } from './sweeper.js';

/**
 * The state the upload module (slot requests, sweeper) and the HTTP routes share: the
 * records, the files and the uploads in progress. One per running server.
 */
export class UploadService {
  readonly store: UploadStore;
  readonly files: UploadFiles;
  /** Slots whose PUT body is arriving now: the sweeper spares them and a second PUT is refused. */
  readonly receiving = new Set<string>();
  private running: Promise<SweepResult> | null = null;
  private stopped = false;
  /** Kept in the database, so guests' quotas survive a restart. */
  private readonly guestQuotaSecret: Buffer;

  constructor(readonly ctx: ServerContext) {
    this.store = new SqliteUploadStore(ctx.database);
    this.files = new UploadFiles(ctx.config.server.data_dir);
    this.guestQuotaSecret = new SqliteSecretStore(ctx.database).secret(GUEST_QUOTA_SECRET);
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

const services = new WeakMap<ServerContext, UploadService>();

/** The server's upload service, created on first use by whichever of module and routes comes first. */
export function uploadService(ctx: ServerContext): UploadService {
  let service = services.get(ctx);
  if (!service) {
    service = new UploadService(ctx);
    services.set(ctx, service);
  }
  return service;
}
