import type { Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';
import type { Session } from './session.js';
import type { UserStorage } from '../storage/types.js';

/** account: SCRAM/PLAIN users; anonymous: SASL ANONYMOUS guests; the rest are components. */
export type HostKind = 'account' | 'anonymous' | 'muc' | 'upload' | 'proxy';

/** What a stanza is addressed to on a host: the domain itself, a bare JID, or a full JID. */
export type Target = 'host' | 'bare' | 'full';

export type StanzaKind = 'message' | 'presence' | 'iq';

export interface StanzaContext {
  stanza: Element;
  /** The sender, already validated and stamped. */
  from: Jid;
  /** The recipient (defaulted to the sender's bare JID when the stanza had no 'to'). */
  to: Jid;
  /** The local client session the stanza came from, or null when a component or the server sent it. */
  origin: Session | null;
  host: Host;
}

/**
 * Answers an iq get/set. Return the result's payload (or null for an empty result), or throw
 * a StanzaError. Return NO_REPLY when the handler sends its own reply later.
 */
export type IqHandler = (ctx: StanzaContext, payload: Element) =>
  Element | null | void | typeof NO_REPLY | Promise<Element | null | void | typeof NO_REPLY>;

/** Handles a message or presence; returns true when it dealt with the stanza (stop the chain). */
export type StanzaHandler = (ctx: StanzaContext) => boolean | void;

export const NO_REPLY = Symbol('handler replies itself');

export interface Identity { category: string; type: string; name?: string }
export interface DiscoItem { jid: string; name?: string; node?: string }

/**
 * A disco node of the host (XEP-0030 §3.2), e.g. the ad-hoc commands list: what it says
 * depends on who asks. A method throws a StanzaError (forbidden, item-not-found) to refuse.
 */
export interface DiscoNode {
  info(requester: Jid): { identities: Identity[]; features: string[]; extensions?: Element[] };
  items(requester: Jid): DiscoItem[];
}

interface Prioritised<T> { priority: number; handler: T }

/** A virtual host: its handlers, disco features and identities. Modules fill it in at load. */
export class Host {
  readonly features = new Set<string>();
  /** Features of each user's bare JID on a client host (disco#info to the account), e.g. MAM. */
  readonly accountFeatures = new Set<string>();
  readonly identities: Identity[] = [];
  readonly items: DiscoItem[] = [];
  /** Data forms appended to disco#info (XEP-0128), e.g. upload's max-file-size. */
  readonly infoExtensions: Element[] = [];
  /** What disco#info of a user's bare JID adds to the account identity (PEP: pubsub/pep and its features). */
  readonly accountIdentities: Identity[] = [];
  /** What disco#items of a user's bare JID lists, by who asks (PEP: the nodes the requester may read). */
  readonly accountItems: ((user: Jid, requester: Jid) => DiscoItem[])[] = [];
  /** Disco nodes by name; a module that owns a node fills it in at load. */
  readonly discoNodes = new Map<string, DiscoNode>();
  /**
   * Set by a cluster on hosts whose entities one node serves at a time (rooms): true when it
   * took the stanza to carry it to the node that serves its addressee, before any handler.
   */
  divert: ((ctx: StanzaContext, target: Target) => boolean) | null = null;
  private readonly iqHandlers = new Map<string, IqHandler>();
  private readonly chains = new Map<string, Prioritised<StanzaHandler>[]>();

  /**
   * users: where this host keeps its users' rosters and documents (for a component, the
   * server's storage, unused). The start-up code decides it (guests: memory only).
   */
  constructor(readonly name: string, readonly kind: HostKind, readonly users: UserStorage) {}

  get acceptsClients(): boolean {
    return this.kind === 'account' || this.kind === 'anonymous';
  }

  onIq(type: 'get' | 'set', xmlns: string, name: string, target: Target, handler: IqHandler): void {
    const key = iqKey(type, target, xmlns, name);
    if (this.iqHandlers.has(key)) throw new Error(`${this.name}: two handlers for ${key}`);
    this.iqHandlers.set(key, handler);
  }

  iqHandler(type: string, target: Target, xmlns: string, name: string): IqHandler | undefined {
    return this.iqHandlers.get(iqKey(type, target, xmlns, name));
  }

  /** Higher priority runs first; the router's default delivery runs at priority 0. */
  on(kind: StanzaKind, target: Target, handler: StanzaHandler, priority = 10): void {
    const key = `${kind}/${target}`;
    const chain = this.chains.get(key) ?? [];
    chain.push({ priority, handler });
    chain.sort((a, b) => b.priority - a.priority);
    this.chains.set(key, chain);
  }

  /** Runs the chain for this stanza; true when some handler took it. */
  dispatch(kind: StanzaKind, target: Target, ctx: StanzaContext): boolean {
    for (const { handler } of this.chains.get(`${kind}/${target}`) ?? []) {
      if (handler(ctx) === true) return true;
    }
    return false;
  }
}

function iqKey(type: string, target: Target, xmlns: string, name: string): string {
  return `${type}/${target}/${xmlns}:${name}`;
}
