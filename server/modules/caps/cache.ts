import { xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { serviceKey } from '../../core/services.js';
import { randomId } from '../../util/random-ids.js';
import { capsVerification, discoInfoParts, isSupportedHash } from './verification.js';

/** What a client's presence says about its software (XEP-0115 <c/>). */
export interface ClientCaps { hash: string; node: string; ver: string }

/** Distinct client versions remembered; the least recently used is forgotten past it. */
const MAX_ENTRIES = 2000;
/** disco#info queries in flight; past it, a new version waits for a later presence. */
const MAX_PENDING = 256;
const QUERY_TIMEOUT_MS = 15_000;
const MAX_VER_LENGTH = 128;
const MAX_NODE_LENGTH = 1024;

export type CapsLearned = (session: Session, features: ReadonlySet<string>) => void;

interface Pending { key: string; caps: ClientCaps; asked: Session; waiting: Set<Session>; timer: NodeJS.Timeout }

/** The <c/> of a presence, when it has one with a hash (legacy caps without one are ignored). */
export function presenceCaps(presence: Element | null): ClientCaps | undefined {
  const c = presence?.getChild('c', NS.caps);
  const { hash, node, ver } = c?.attrs ?? {};
  if (typeof hash !== 'string' || typeof node !== 'string' || typeof ver !== 'string' || !isSupportedHash(hash)) return undefined;
  // A hash in base64 is at most 88 characters (SHA-512); nothing longer can verify, so nothing longer is kept.
  if (ver.length > MAX_VER_LENGTH || node.length > MAX_NODE_LENGTH) return undefined;
  return { hash, node, ver };
}

/**
 * XEP-0115 on the server's side: which features each client version has, learned once per
 * version (a disco#info query to one client that announces it) and trusted only when the
 * answer hashes to the announced version, so one client cannot poison what others are thought
 * to want. In memory, bounded; the PEP notifications read the "+notify" features from it.
 */
export class CapsCache {
  private readonly known = new Map<string, ReadonlySet<string>>();
  private readonly pending = new Map<string, Pending>();
  private readonly listeners: CapsLearned[] = [];

  constructor(private readonly server: ServerContext) {}

  /** Called for every session waiting on a version once its features are known. */
  onLearned(listener: CapsLearned): void {
    this.listeners.push(listener);
  }

  /**
   * The features of the session's client: undefined without caps in its presence, or while
   * its version is unknown (then a query is on its way, and onLearned tells when it is known).
   */
  features(session: Session): ReadonlySet<string> | undefined {
    const caps = presenceCaps(session.presence);
    if (!caps) return undefined;
    const key = `${caps.hash} ${caps.ver}`;
    const features = this.known.get(key);
    if (features) {
      // Map order is insertion order: re-inserting makes this the most recently used.
      this.known.delete(key);
      this.known.set(key, features);
      return features;
    }
    this.ask(session, caps, key);
    return undefined;
  }

  /** A response addressed to a client host: true when it answers one of this cache's queries. */
  handleResponse(stanza: Element): boolean {
    const pending = this.pending.get(String(stanza.attrs.id ?? ''));
    if (!pending || stanza.attrs.from !== pending.asked.jid.toString()) return false;
    this.pending.delete(String(stanza.attrs.id));
    clearTimeout(pending.timer);
    const query = stanza.attrs.type === 'result' ? stanza.getChild('query', NS.discoInfo) : undefined;
    const parts = query && discoInfoParts(query);
    if (!parts || capsVerification(parts, pending.caps.hash) !== pending.caps.ver) return true;
    const features = new Set(parts.features);
    this.remember(pending.key, features);
    for (const session of pending.waiting) {
      if (session.closed) continue;
      for (const listener of this.listeners) listener(session, features);
    }
    return true;
  }

  stop(): void {
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    this.pending.clear();
  }

  private remember(key: string, features: ReadonlySet<string>): void {
    this.known.set(key, features);
    if (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
  }

  private ask(session: Session, caps: ClientCaps, key: string): void {
    for (const pending of this.pending.values()) {
      if (pending.key === key) {
        pending.waiting.add(session);
        return;
      }
      // One question at a time per client: one that keeps announcing new versions cannot fill the queue.
      if (pending.asked === session) return;
    }
    if (this.pending.size >= MAX_PENDING) return;
    const id = `caps-${randomId(9)}`;
    const timer = setTimeout(() => this.pending.delete(id), QUERY_TIMEOUT_MS);
    timer.unref();
    this.pending.set(id, { key, caps, asked: session, waiting: new Set([session]), timer });
    this.server.router.route(xml('iq', { type: 'get', id, from: session.host.name, to: session.jid.toString() },
      xml('query', { xmlns: NS.discoInfo, node: `${caps.node}#${caps.ver}` })));
  }
}

/** The server's caps cache, provided by the PEP module. */
export const CAPS_CACHE = serviceKey<CapsCache>('entity capabilities cache');
