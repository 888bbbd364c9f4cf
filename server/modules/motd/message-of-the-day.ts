/**
 * The message of the day (XEP-0133 §4.24–4.26): a standing announcement every person gets
 * when they sign in, guests included, until an admin deletes it.
 *
 * Kept as a user-data document of the server's own domain: a bare domain is never an
 * account, so no account's data can collide with it or delete it; every storage backend
 * already keeps user data (SQLite now, PostgreSQL for a cluster) without a new table; and the
 * server secrets store holds random keys only, never text an admin wrote.
 */
import { xml, type Element } from '../../xml/element.js';
import type { UserDataStore } from '../../storage/types.js';
import { serviceKey } from '../../core/services.js';
import { parseStored, serialize } from '../user-data.js';

const NS_MOTD = 'urn:palaver:motd';
const KEY = NS_MOTD;
/** Longest message of the day or announcement, in characters. */
export const MAX_ANNOUNCEMENT_LENGTH = 10_000;

export class MessageOfTheDay {
  private current: string | null;

  constructor(private readonly store: UserDataStore, private readonly domain: string) {
    const stored = store.get(domain, KEY);
    const text = stored === undefined ? undefined : parseStored(stored)?.getText();
    this.current = text === undefined || text === '' ? null : text;
  }

  get text(): string | null {
    return this.current;
  }

  /** Sets (a text) or deletes (null) the message; written to storage before it counts. */
  set(text: string | null): void {
    this.store.set(this.domain, KEY, text === null ? null : serialize(xml('motd', { xmlns: NS_MOTD }, text)));
    this.current = text;
  }
}

export const MOTD = serviceKey<MessageOfTheDay>('message of the day');

/**
 * A message from the server itself to one resource. Headline (RFC 6121 §5.2.2): nothing to
 * answer, never kept offline or archived.
 */
export function serverHeadline(domain: string, to: string, subject: string, body: string): Element {
  return xml('message', { from: domain, to, type: 'headline' },
    xml('subject', {}, subject),
    xml('body', {}, body));
}
