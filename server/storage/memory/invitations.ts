import type { InvitationRecord, InvitationStore } from '../invitations.js';

export class MemoryInvitationStore implements InvitationStore {
  private readonly records = new Map<string, InvitationRecord>();

  create(tokenHash: Buffer, expiresAt: number): Promise<void> {
    this.records.set(tokenHash.toString('hex'), { tokenHash: Buffer.from(tokenHash), expiresAt, used: false });
    return Promise.resolve();
  }

  find(tokenHash: Buffer): Promise<InvitationRecord | undefined> {
    const record = this.records.get(tokenHash.toString('hex'));
    return Promise.resolve(record && { ...record });
  }

  take(tokenHash: Buffer, now: number): Promise<boolean> {
    const record = this.records.get(tokenHash.toString('hex'));
    if (!record || record.used || record.expiresAt <= now) return Promise.resolve(false);
    record.used = true;
    return Promise.resolve(true);
  }

  release(tokenHash: Buffer): Promise<void> {
    const record = this.records.get(tokenHash.toString('hex'));
    if (record) record.used = false;
    return Promise.resolve();
  }

  deleteExpired(now: number): Promise<number> {
    let count = 0;
    for (const [key, record] of this.records) {
      if (record.expiresAt <= now) {
        this.records.delete(key);
        count++;
      }
    }
    return Promise.resolve(count);
  }
}
