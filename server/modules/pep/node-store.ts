import { StanzaError } from '../../xml/errors.js';
import type { UserDataStore } from '../../storage/types.js';
import { PEP_LIMITS } from './limits.js';
import { storedConfig, type NodeConfig } from './node-config.js';

/** A published item: its id and its payload as serialised XML ('' when published without one). */
export interface PepItem { id: string; payload: string }

/** A node as kept: its configuration and items, oldest first. */
export interface PepNode { config: NodeConfig; items: PepItem[] }

/** The key of the user's list of nodes (with each node's size); a node is under `pep:<name>`. */
const INDEX_KEY = 'pep';
const nodeKey = (name: string) => `pep:${name}`;

/**
 * One host's PEP nodes in its users' UserDataStore, so that every backend keeps them (a guest's
 * store is memory, gone with the guest). Writes check the per-user caps.
 */
export class PepNodeStore {
  constructor(private readonly store: UserDataStore) {}

  names(user: string): string[] {
    return [...this.index(user).keys()];
  }

  get(user: string, name: string): PepNode | undefined {
    const text = this.store.get(user, nodeKey(name));
    if (text === undefined) return undefined;
    try {
      const parsed = JSON.parse(text) as { config?: unknown; items?: unknown };
      const items = Array.isArray(parsed.items) ? parsed.items.filter(isItem) : [];
      return { config: storedConfig(parsed.config), items };
    } catch {
      return undefined;
    }
  }

  /** Stores the node, or throws policy-violation when the user's caps would be passed (nothing changes then). */
  put(user: string, name: string, node: PepNode): void {
    const text = JSON.stringify(node);
    const bytes = Buffer.byteLength(text);
    const index = this.index(user);
    if (!index.has(name) && index.size >= PEP_LIMITS.nodes) {
      throw new StanzaError('cancel', 'policy-violation', `a user has at most ${PEP_LIMITS.nodes} PEP nodes`);
    }
    if (bytes > PEP_LIMITS.bytesPerNode) {
      throw new StanzaError('modify', 'not-acceptable', `a PEP node holds at most ${PEP_LIMITS.bytesPerNode / 1024} KiB`);
    }
    let total = bytes;
    for (const [other, size] of index) if (other !== name) total += size;
    if (total > PEP_LIMITS.bytesPerUser) {
      throw new StanzaError('cancel', 'policy-violation', `a user's PEP nodes hold at most ${PEP_LIMITS.bytesPerUser / 1024} KiB together`);
    }
    this.store.set(user, nodeKey(name), text);
    if (index.get(name) === bytes) return;
    index.set(name, bytes);
    this.store.set(user, INDEX_KEY, JSON.stringify(Object.fromEntries(index)));
  }

  delete(user: string, name: string): void {
    const index = this.index(user);
    this.store.set(user, nodeKey(name), null);
    if (!index.delete(name)) return;
    this.store.set(user, INDEX_KEY, index.size > 0 ? JSON.stringify(Object.fromEntries(index)) : null);
  }

  /** Node names and sizes; a Map, as node names are the client's (even "__proto__"). */
  private index(user: string): Map<string, number> {
    const text = this.store.get(user, INDEX_KEY);
    const index = new Map<string, number>();
    if (text === undefined) return index;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return index;
      for (const [name, size] of Object.entries(parsed)) if (typeof size === 'number') index.set(name, size);
    } catch {
      // Unreadable: as if the user had no nodes.
    }
    return index;
  }
}

function isItem(value: unknown): value is PepItem {
  const item = value as Partial<PepItem> | null;
  return typeof item === 'object' && item !== null && typeof item.id === 'string' && typeof item.payload === 'string';
}
