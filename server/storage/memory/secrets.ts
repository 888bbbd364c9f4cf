import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../secrets.js';

/** Secrets for a storage that lives in memory: new at every start, like everything in it. */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, Buffer>();

  secret(name: string): Buffer {
    let secret = this.secrets.get(name);
    if (!secret) {
      secret = randomBytes(32);
      this.secrets.set(name, secret);
    }
    return secret;
  }

  has(name: string): boolean {
    return this.secrets.has(name);
  }

  /** Sets (or, with undefined, forgets) a key as another copy of the data holds it. */
  restore(name: string, secret: Buffer | undefined): void {
    if (secret === undefined) this.secrets.delete(name);
    else this.secrets.set(name, Buffer.from(secret));
  }

  names(): string[] {
    return [...this.secrets.keys()];
  }
}
