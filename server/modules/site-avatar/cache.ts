import type { AvatarImage } from './fetch-image.js';

/**
 * One fetch per avatar URL for a while, however many guests sign in with it. A picture that
 * came is kept long; a failure (site down, too slow, not a picture) only briefly, so that a
 * site's hiccup does not leave its users without a picture for a quarter of an hour. Repeated
 * failures of the same URL wait longer each time (doubling, up to the success time), so a
 * broken URL is not fetched at every sign-in either.
 */
export interface AvatarCacheOptions {
  /** Fetches one image; resolves null on any failure (fetch-image.ts never rejects). */
  fetch: (url: string) => Promise<AvatarImage | null>;
  now: () => number;
  maxEntries: number;
  successMs: number;
  /** How long the first failure is kept; each further one in a row doubles it. */
  firstFailureMs: number;
}

interface Entry {
  image: Promise<AvatarImage | null>;
  /** Until when the answer is reused; Infinity while the fetch runs (everyone shares it). */
  until: number;
  /** Failures in a row for this URL, which set the next wait. */
  failures: number;
}

export class AvatarCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: AvatarCacheOptions) {}

  get(url: string): Promise<AvatarImage | null> {
    const { now, maxEntries } = this.options;
    const cached = this.entries.get(url);
    if (cached && now() < cached.until) return cached.image;
    if (!cached && this.entries.size >= maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const entry: Entry = { image: this.options.fetch(url), until: Infinity, failures: cached?.failures ?? 0 };
    this.entries.set(url, entry);
    void entry.image.then((image) => this.settle(entry, image));
    return entry.image;
  }

  private settle(entry: Entry, image: AvatarImage | null): void {
    const { now, successMs, firstFailureMs } = this.options;
    if (image) {
      entry.failures = 0;
      entry.until = now() + successMs;
      return;
    }
    const wait = Math.min(firstFailureMs * 2 ** entry.failures, successMs);
    entry.failures += 1;
    entry.until = now() + wait;
  }
}
