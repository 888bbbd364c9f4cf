/**
 * State that features keep on an object they do not own (a session, a room), under typed keys
 * each feature makes for itself, so that the state lives and dies with the object and no
 * module keeps a registry of its own.
 */
export class StateKey<T> {
  /**
   * shared: the value is a fact other cluster nodes need about a session (carbons enabled,
   * say), replicated with the session. Its value must survive JSON, and its description is its
   * name across the cluster, so it must be unique among shared keys.
   */
  constructor(readonly description: string, readonly initial: () => T, readonly options: { shared?: boolean } = {}) {
    if (options.shared) registerSharedKey(this as StateKey<unknown>);
  }

  get shared(): boolean {
    return this.options.shared === true;
  }
}

/** Shared keys by name, so that a replica can file a value it received under its key. */
const sharedKeys = new Map<string, StateKey<unknown>>();

function registerSharedKey(key: StateKey<unknown>): void {
  if (sharedKeys.has(key.description)) throw new Error(`two shared state keys are named "${key.description}"`);
  sharedKeys.set(key.description, key);
}

/** The shared key of that name, if this process declared one. */
export function sharedStateKey(name: string): StateKey<unknown> | undefined {
  return sharedKeys.get(name);
}

export class KeyedState {
  private readonly values = new Map<StateKey<unknown>, unknown>();

  /** The value under `key`, created from the key's initial value on first use. */
  get<T>(key: StateKey<T>): T {
    if (!this.values.has(key)) this.values.set(key, key.initial());
    return this.values.get(key) as T;
  }

  set<T>(key: StateKey<T>, value: T): void {
    this.values.set(key, value);
  }

  /** The values set under shared keys, by key name (JSON-safe by the keys' contract). */
  sharedValues(): Record<string, unknown> {
    const shared: Record<string, unknown> = {};
    for (const [key, value] of this.values) if (key.shared) shared[key.description] = value;
    return shared;
  }
}
