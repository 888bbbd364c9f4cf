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
}
