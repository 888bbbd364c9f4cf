import type { Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';
import { serviceKey } from './services.js';

/**
 * Offline storage (RFC 6121 §8.5.2.2.1) as the layers below features see it: provided per
 * account host by the offline module, used by the stream layer when a session with stanzas
 * its client never acknowledged ends for good (XEP-0198), without importing a module.
 */
export interface OfflineStorage {
  /**
   * Keeps `stanza` for `owner` (a bare JID of this host) until its next sign-in, if offline
   * storage takes it (a person's message, from no guest, to an account, under the cap);
   * false when it does not, and the caller answers as it would without offline storage.
   */
  keep(owner: Jid, stanza: Element): boolean;
}

export const OFFLINE_STORAGE = serviceKey<OfflineStorage>('offline storage');
