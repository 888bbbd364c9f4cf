/**
 * State that features keep on an object they do not own (a session, a room), under typed keys
 * each feature makes for itself, so that the state lives and dies with the object and no
 * module keeps a registry of its own.
 */
export class StateKey<T> {
  constructor(readonly description: string, readonly initial: () => T) {}
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
}
