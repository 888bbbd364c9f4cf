/** Random keys generated once per server and kept across restarts, one per purpose. */
export interface SecretStore {
  /** The key named `name`, created (32 random bytes) on first use. */
  secret(name: string): Buffer;
}
