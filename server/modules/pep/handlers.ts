import { xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import { formFields } from '../../xml/data-forms.js';
import type { Host, StanzaContext } from '../../core/host.js';
import type { ServerContext } from '../../core/context.js';
import { isOwnAccount, userExists } from '../user-data.js';
import { invalidPayload, itemRequired, nodeIdRequired, ownerOnly, unsupported } from './errors.js';
import { PEP_LIMITS } from './limits.js';
import { applyConfigForm, configForm, DEFAULT_NODE_CONFIG } from './node-config.js';
import { itemElement } from './notify.js';
import type { PepService } from './service.js';

/** XEP-0060 requests on a user's bare JID: pubsub (publish, retract, create, items) and pubsub#owner (configure, default, purge, delete). */
export function registerPepHandlers(host: Host, server: ServerContext, pep: PepService): void {
  host.onIq('set', NS.pubsub, 'pubsub', 'bare', (ctx, pubsub) => {
    const action = actionOf(pubsub);
    requireOwner(ctx);
    switch (action.name) {
      case 'publish': return publish(pep, ctx, pubsub, action);
      case 'retract': {
        const ids = action.getChildren('item').map((item) => String(item.attrs.id ?? '')).filter((id) => id !== '');
        if (ids.length === 0) throw itemRequired();
        pep.retract(ctx.to, nodeName(action), ids, action.attrs.notify === 'true' || action.attrs.notify === '1');
        return null;
      }
      case 'create': {
        const name = nodeName(action);
        const form = pubsub.getChild('configure')?.getChild('x', NS.dataForms);
        const config = form ? applyConfigForm(DEFAULT_NODE_CONFIG, formFields(form)) : DEFAULT_NODE_CONFIG;
        if (!pep.create(ctx.to, name, config)) throw new StanzaError('cancel', 'conflict', 'the node exists');
        return null;
      }
      default: throw unsupported(action.name);
    }
  });

  host.onIq('get', NS.pubsub, 'pubsub', 'bare', (ctx, pubsub) => {
    const action = actionOf(pubsub);
    if (!isOwnAccount(ctx) && !userExists(server, host, ctx.to.local!)) throw new StanzaError('cancel', 'item-not-found');
    if (action.name === 'subscriptions' || action.name === 'affiliations') {
      // No explicit subscriptions or affiliations on PEP nodes here: +notify stands for them.
      return xml('pubsub', { xmlns: NS.pubsub }, xml(action.name, action.attrs.node ? { node: action.attrs.node } : {}));
    }
    if (action.name !== 'items') throw unsupported(action.name);
    const name = nodeName(action);
    const node = pep.readable(ctx.to, name, ctx.from);
    const wanted = action.getChildren('item').map((item) => String(item.attrs.id ?? ''));
    let items = wanted.length > 0 ? node.items.filter((item) => wanted.includes(item.id)) : node.items;
    const max = Number(action.attrs.max_items);
    if (Number.isInteger(max) && max > 0) items = items.slice(-max);
    return xml('pubsub', { xmlns: NS.pubsub }, xml('items', { node: name }, ...items.map((item) => itemElement(item))));
  });

  host.onIq('get', NS.pubsubOwner, 'pubsub', 'bare', (ctx, pubsub) => {
    const action = actionOf(pubsub);
    requireOwner(ctx);
    if (action.name === 'default') return xml('pubsub', { xmlns: NS.pubsubOwner }, xml('default', {}, configForm(DEFAULT_NODE_CONFIG)));
    if (action.name !== 'configure') throw unsupported(action.name);
    const name = nodeName(action);
    const node = pep.readable(ctx.to, name, ctx.from);
    return xml('pubsub', { xmlns: NS.pubsubOwner }, xml('configure', { node: name }, configForm(node.config)));
  });

  host.onIq('set', NS.pubsubOwner, 'pubsub', 'bare', (ctx, pubsub) => {
    const action = actionOf(pubsub);
    requireOwner(ctx);
    const name = nodeName(action);
    switch (action.name) {
      case 'configure': {
        const form = action.getChild('x', NS.dataForms);
        if (!form || form.attrs.type === 'cancel') return null;
        if (form.attrs.type !== 'submit') throw new StanzaError('modify', 'bad-request', 'send the form with type "submit"');
        const node = pep.readable(ctx.to, name, ctx.from);
        pep.configure(ctx.to, name, applyConfigForm(node.config, formFields(form)));
        return null;
      }
      case 'purge': pep.purge(ctx.to, name); return null;
      case 'delete': pep.deleteNode(ctx.to, name); return null;
      default: throw unsupported(action.name);
    }
  });
}

function publish(pep: PepService, ctx: StanzaContext, pubsub: Element, action: Element): Element {
  const name = nodeName(action);
  const items = action.getChildren('item');
  if (items.length > 1) throw new StanzaError('modify', 'bad-request', 'publish one item at a time');
  const item = items[0];
  const payloads = item?.getChildElements() ?? [];
  if (payloads.length > 1) throw invalidPayload();
  const id = item?.attrs.id === undefined || item.attrs.id === '' ? undefined : String(item.attrs.id);
  if (id !== undefined && id.length > PEP_LIMITS.itemIdLength) {
    throw new StanzaError('modify', 'not-acceptable', `an item id has at most ${PEP_LIMITS.itemIdLength} characters`);
  }
  const form = pubsub.getChild('publish-options')?.getChild('x', NS.dataForms);
  const options = form ? formFields(form) : undefined;
  if (options?.has('FORM_TYPE') && options.get('FORM_TYPE')?.[0] !== NS.pubsubPublishOptions) {
    throw new StanzaError('modify', 'bad-request', `publish-options have the FORM_TYPE ${NS.pubsubPublishOptions}`);
  }
  const published = pep.publish(ctx.to, name, { id, payload: payloads[0], options });
  return xml('pubsub', { xmlns: NS.pubsub }, xml('publish', { node: name }, xml('item', { id: published })));
}

/** The one request element of a <pubsub/> (publish-options and configure travel beside it). */
function actionOf(pubsub: Element): Element {
  const action = pubsub.getChildElements().find((child) => child.name !== 'publish-options' && child.name !== 'configure')
    ?? pubsub.getChild('configure');
  if (!action) throw new StanzaError('modify', 'bad-request', 'an empty pubsub request');
  return action;
}

function nodeName(action: Element): string {
  const name = action.attrs.node;
  if (typeof name !== 'string' || name === '') throw nodeIdRequired();
  if (name.length > PEP_LIMITS.nodeNameLength) throw new StanzaError('modify', 'not-acceptable', `a node name has at most ${PEP_LIMITS.nodeNameLength} characters`);
  return name;
}

function requireOwner(ctx: StanzaContext): void {
  if (!isOwnAccount(ctx)) throw ownerOnly();
}
