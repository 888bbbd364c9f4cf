import { xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import type { Jid } from '../../jid/jid.js';
import type { ServerContext } from '../../core/context.js';
import type { Session } from '../../core/session.js';
import { serviceKey } from '../../core/services.js';
import { randomId } from '../../util/random-ids.js';
import type { CapsCache } from '../caps/cache.js';
import { serialize, detached } from '../user-data.js';
import { checkRead, mayRead } from './access.js';
import { nodeNotFound, preconditionNotMet } from './errors.js';
import { applyConfigForm, DEFAULT_NODE_CONFIG, meetsPublishOptions, type NodeConfig } from './node-config.js';
import { PepNodeStore, type PepItem, type PepNode } from './node-store.js';
import { eventMessage, itemElement, notifyInterested } from './notify.js';

/** What changed on a node, for features that mirror a node elsewhere (XEP-0411 bookmarks). */
export type PepChange =
  | { kind: 'publish'; item: PepItem }
  | { kind: 'retract'; id: string }
  | { kind: 'purge' }
  | { kind: 'delete' };

export type PepListener = (owner: Jid, change: PepChange) => void;

/** Who changes a node: its owner's client (listeners hear it) or a mirroring feature (they do not, so no echo). */
export type ChangeSource = 'client' | 'mirror';

export interface PublishRequest {
  id?: string;
  payload?: Element;
  /** Submitted publish-options (XEP-0060 §7.1.5), fields by var. */
  options?: ReadonlyMap<string, readonly string[]>;
  /** For a node that does not exist yet when no options are given. */
  defaults?: NodeConfig;
}

/**
 * XEP-0163 Personal Eventing: every user's nodes on their own bare JID, created by the first
 * publish, kept in the host's user data, with notifications filtered by the readers' caps.
 */
export class PepService {
  private readonly listeners = new Map<string, PepListener[]>();

  constructor(private readonly server: ServerContext, private readonly caps: CapsCache) {}

  /** The nodes of the owner's host (an account's on disk, a guest's in memory). */
  storeOf(owner: Jid): PepNodeStore {
    const host = this.server.hosts.get(owner.domain);
    return new PepNodeStore((host?.users ?? this.server.storage).userData);
  }

  node(owner: Jid, name: string): PepNode | undefined {
    return this.storeOf(owner).get(owner.toString(), name);
  }

  /** The node if the requester may read it; throws item-not-found or the access model's error. */
  readable(owner: Jid, name: string, requester: Jid): PepNode {
    const node = this.node(owner, name);
    if (!node) throw nodeNotFound();
    checkRead(this.server, owner, requester, node.config.accessModel);
    return node;
  }

  /** XEP-0060 §5.2: the owner's nodes that the requester may read, as disco items. */
  readableNodes(owner: Jid, requester: Jid): string[] {
    const store = this.storeOf(owner);
    return store.names(owner.toString()).filter((name) => {
      const node = store.get(owner.toString(), name);
      return node !== undefined && mayRead(this.server, owner, requester, node.config.accessModel);
    });
  }

  /** Listens to changes that owners' clients make to nodes of this name. */
  onChange(name: string, listener: PepListener): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  /** Publishes one item (XEP-0060 §7.1), creating the node; returns the item's id. */
  publish(owner: Jid, name: string, request: PublishRequest, source: ChangeSource = 'client'): string {
    const existing = this.node(owner, name);
    const config = existing?.config ?? (request.options ? configFromOptions(request.options) : request.defaults ?? DEFAULT_NODE_CONFIG);
    // Checked for a new node too: an option this server cannot honour fails the same way every time.
    if (request.options && !meetsPublishOptions(config, request.options)) throw preconditionNotMet();
    const item: PepItem = { id: request.id ?? randomId(12), payload: request.payload ? serialize(detached(request.payload)) : '' };
    const kept = (existing?.items ?? []).filter((other) => other.id !== item.id);
    kept.push(item);
    // A node that does not persist items still keeps its last one, for delivery on presence (XEP-0060 §7.1.3.1 allows it).
    const limit = config.persistItems ? config.maxItems : 1;
    this.storeOf(owner).put(owner.toString(), name, { config, items: kept.slice(-limit) });
    this.notify(owner, name, config, xml('items', { node: name }, itemElement(item, config.deliverPayloads)));
    this.changed(owner, name, { kind: 'publish', item }, source);
    return item.id;
  }

  /** Removes items by id (XEP-0060 §7.2); unknown ids are item-not-found. */
  retract(owner: Jid, name: string, ids: readonly string[], notify: boolean, source: ChangeSource = 'client'): void {
    const node = this.node(owner, name);
    if (!node) throw nodeNotFound();
    const gone = node.items.filter((item) => ids.includes(item.id));
    if (gone.length === 0) throw nodeNotFound();
    this.storeOf(owner).put(owner.toString(), name, { config: node.config, items: node.items.filter((item) => !ids.includes(item.id)) });
    if (notify && node.config.notifyRetract) {
      this.notify(owner, name, node.config, xml('items', { node: name }, ...gone.map((item) => xml('retract', { id: item.id }))));
    }
    for (const item of gone) this.changed(owner, name, { kind: 'retract', id: item.id }, source);
  }

  /** Creates an empty node (XEP-0060 §8.1); conflict when it exists. */
  create(owner: Jid, name: string, config: NodeConfig): boolean {
    if (this.node(owner, name)) return false;
    this.storeOf(owner).put(owner.toString(), name, { config, items: [] });
    return true;
  }

  configure(owner: Jid, name: string, config: NodeConfig): void {
    const node = this.node(owner, name);
    if (!node) throw nodeNotFound();
    const limit = config.persistItems ? config.maxItems : 1;
    this.storeOf(owner).put(owner.toString(), name, { config, items: node.items.slice(-limit) });
  }

  purge(owner: Jid, name: string, source: ChangeSource = 'client'): void {
    const node = this.node(owner, name);
    if (!node) throw nodeNotFound();
    this.storeOf(owner).put(owner.toString(), name, { config: node.config, items: [] });
    if (node.config.notifyRetract) this.notify(owner, name, node.config, xml('purge', { node: name }));
    this.changed(owner, name, { kind: 'purge' }, source);
  }

  deleteNode(owner: Jid, name: string, source: ChangeSource = 'client'): void {
    const node = this.node(owner, name);
    if (!node) throw nodeNotFound();
    this.storeOf(owner).delete(owner.toString(), name);
    if (node.config.notifyDelete) this.notify(owner, name, node.config, xml('delete', { node: name }));
    this.changed(owner, name, { kind: 'delete' }, source);
  }

  /**
   * XEP-0163 §4.3.3 last-item delivery: what the session has +notify for, from its own nodes
   * and those of contacts whose presence it sees, when the node sends it on presence (or, for
   * a new subscription, on subscription too).
   */
  sendLastItems(session: Session, features: ReadonlySet<string>, owners: readonly Jid[], trigger: 'presence' | 'subscription' = 'presence'): void {
    for (const owner of owners) {
      const store = this.storeOf(owner);
      for (const name of store.names(owner.toString())) {
        if (!features.has(`${name}+notify`)) continue;
        const node = store.get(owner.toString(), name);
        const last = node?.items.at(-1);
        if (!node || !last || node.config.sendLastPublished === 'never') continue;
        if (trigger === 'presence' && node.config.sendLastPublished !== 'on_sub_and_presence') continue;
        try {
          checkRead(this.server, owner, session.bare, node.config.accessModel);
        } catch {
          continue;
        }
        this.server.router.deliverTo(session.jid,
          eventMessage(owner, session.jid, xml('items', { node: name }, itemElement(last, node.config.deliverPayloads))));
      }
    }
  }

  private notify(owner: Jid, name: string, config: NodeConfig, event: Element): void {
    notifyInterested(this.server, this.caps, owner, name, config, event);
  }

  private changed(owner: Jid, name: string, change: PepChange, source: ChangeSource): void {
    if (source !== 'client') return;
    for (const listener of this.listeners.get(name) ?? []) listener(owner, change);
  }
}

/** A new node's config from publish-options; a value it cannot take is a precondition not met. */
function configFromOptions(options: ReadonlyMap<string, readonly string[]>): NodeConfig {
  try {
    return applyConfigForm(DEFAULT_NODE_CONFIG, options);
  } catch (error) {
    if (error instanceof StanzaError) throw preconditionNotMet();
    throw error;
  }
}

/** The server's PEP service, provided by the PEP module. */
export const PEP = serviceKey<PepService>('personal eventing');
