import type { UploadRecord, UploadStore } from '../uploads.js';

/** Upload records (storage/uploads.ts) in memory, answering as the SQLite store does. */
export class MemoryUploadStore implements UploadStore {
  private readonly records = new Map<string, UploadRecord>();

  add(record: UploadRecord): void {
    if (this.records.has(record.id)) throw new Error(`an upload record ${record.id} exists already`);
    this.records.set(record.id, { ...record });
  }

  get(id: string): UploadRecord | undefined {
    const record = this.records.get(id);
    return record && { ...record };
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  complete(id: string, completedAt: number, expiresAt: number): boolean {
    const record = this.records.get(id);
    if (!record || record.completedAt !== null) return false;
    record.completedAt = completedAt;
    record.expiresAt = expiresAt;
    return true;
  }

  delete(id: string): boolean {
    return this.records.delete(id);
  }

  bytesBy(uploader: string, since: number, now: number): number {
    return this.liveBy(uploader, since, now).reduce((sum, record) => sum + record.size, 0);
  }

  oldestBy(uploader: string, since: number, now: number): number | undefined {
    const created = this.liveBy(uploader, since, now).map((record) => record.createdAt);
    return created.length > 0 ? Math.min(...created) : undefined;
  }

  bytesStored(now: number): number {
    let total = 0;
    for (const record of this.records.values()) if (record.expiresAt > now) total += record.size;
    return total;
  }

  expired(now: number, limit: number): UploadRecord[] {
    return [...this.records.values()].filter((record) => record.expiresAt <= now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .slice(0, Math.max(0, limit))
      .map((record) => ({ ...record }));
  }

  /** Sets (or, with undefined, removes) a record as another copy of the data holds it. */
  restore(id: string, record: UploadRecord | undefined): void {
    if (record === undefined) this.records.delete(id);
    else this.records.set(id, { ...record });
  }

  ids(): string[] {
    return [...this.records.keys()];
  }

  private liveBy(uploader: string, since: number, now: number): UploadRecord[] {
    return [...this.records.values()].filter((record) => record.uploader === uploader && record.createdAt >= since && record.expiresAt > now);
  }
}
