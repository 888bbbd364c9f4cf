import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { DiscoItem, DiscoNode, Host, StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';

/**
 * XEP-0030 for every host: the host's identities, features and items; for client hosts also
 * the account itself (bare JID). Client hosts list the MUC, upload and proxy services as items so
 * that clients find them.
 */
export default defineModule({
  name: 'disco',
  hostKinds: ['account', 'anonymous', 'muc', 'upload', 'proxy'],
  load(host, server) {
    host.features.add(NS.discoInfo);
    host.features.add(NS.discoItems);
    host.onIq('get', NS.discoInfo, 'query', 'host', (ctx, query) => hostInfo(host, ctx, query));
    host.onIq('get', NS.discoItems, 'query', 'host', (ctx, query) => hostItems(host, server, ctx, query));
    if (!host.acceptsClients) return;
    host.identities.push({ category: 'server', type: 'im', name: 'Palaver' });
    host.onIq('get', NS.discoInfo, 'query', 'bare', (ctx, query) => accountInfo(server, ctx, query));
    host.onIq('get', NS.discoItems, 'query', 'bare', (ctx, query) => accountItems(server, ctx, query));
  },
});

function hostInfo(host: Host, ctx: StanzaContext, query: Element): Element {
  const node = query.attrs.node;
  if (node) {
    const info = nodeOf(host, node).info(ctx.from);
    return xml('query', { xmlns: NS.discoInfo, node }, ...infoResult(info.identities, new Set(info.features), info.extensions ?? []).children);
  }
  return infoResult(host.identities, host.features, host.infoExtensions);
}

function hostItems(host: Host, server: ServerContext, ctx: StanzaContext, query: Element): Element {
  const node = query.attrs.node;
  if (node) {
    return xml('query', { xmlns: NS.discoItems, node },
      ...nodeOf(host, node).items(ctx.from).map(discoItem));
  }
  const items: DiscoItem[] = [...host.items];
  if (host.acceptsClients) {
    for (const service of (['muc', 'upload', 'proxy'] as const).flatMap((kind) => server.hosts.ofKind(kind))) {
      items.push({ jid: service.name, name: service.identities[0]?.name });
    }
  }
  return xml('query', { xmlns: NS.discoItems },
    ...items.map(discoItem));
}

function nodeOf(host: Host, node: string): DiscoNode {
  const found = host.discoNodes.get(node);
  if (!found) throw new StanzaError('cancel', 'item-not-found');
  return found;
}

function accountExists(server: ServerContext, ctx: StanzaContext): boolean {
  if (ctx.host.kind === 'anonymous') return server.sessions.isOnline(ctx.to);
  return server.storage.accounts.exists(ctx.to.local!, ctx.to.domain);
}

/** Only the account itself, or someone else asking about an existing account. */
function accountInfo(server: ServerContext, ctx: StanzaContext, query: Element): Element {
  if (query.attrs.node || !accountExists(server, ctx)) throw new StanzaError('cancel', 'service-unavailable');
  const type = ctx.host.kind === 'anonymous' ? 'anonymous' : 'registered';
  const host = ctx.host;
  return infoResult([{ category: 'account', type }, ...host.accountIdentities],
    new Set([NS.discoInfo, NS.discoItems, ...host.accountFeatures]), []);
}

function accountItems(server: ServerContext, ctx: StanzaContext, query: Element): Element {
  if (query.attrs.node || !accountExists(server, ctx)) throw new StanzaError('cancel', 'service-unavailable');
  const items = ctx.host.accountItems.flatMap((list) => list(ctx.to, ctx.from));
  return xml('query', { xmlns: NS.discoItems }, ...items.map(discoItem));
}

function discoItem(item: DiscoItem): Element {
  return xml('item', { jid: item.jid, name: item.name, node: item.node });
}

function infoResult(identities: Host['identities'], features: Set<string>, extensions: Element[]): Element {
  return xml('query', { xmlns: NS.discoInfo },
    ...identities.map((identity) => xml('identity', { category: identity.category, type: identity.type, name: identity.name })),
    ...[...features].sort().map((feature) => xml('feature', { var: feature })),
    ...extensions);
}
