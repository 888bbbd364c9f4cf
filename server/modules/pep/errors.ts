import { xml } from '../../xml/element.js';
import { StanzaError, type StanzaErrorCondition, type StanzaErrorType } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';

/** XEP-0060 errors: a stanza error with its pubsub#errors condition. */
function pubsubError(type: StanzaErrorType, condition: StanzaErrorCondition, specific: string, text?: string, attrs: Record<string, string> = {}): StanzaError {
  return new StanzaError(type, condition, text, xml(specific, { xmlns: NS.pubsubErrors, ...attrs }));
}

export const nodeIdRequired = () => pubsubError('modify', 'bad-request', 'nodeid-required', 'name the node');
export const itemRequired = () => pubsubError('modify', 'bad-request', 'item-required', 'name the item');
export const invalidPayload = () => pubsubError('modify', 'bad-request', 'invalid-payload', 'an item holds one payload element');
export const preconditionNotMet = () =>
  pubsubError('cancel', 'conflict', 'precondition-not-met', 'the node exists with another configuration; configure it first');
export const presenceSubscriptionRequired = () =>
  pubsubError('auth', 'not-authorized', 'presence-subscription-required', 'only contacts who see the owner\'s presence may read this node');
export const closedNode = () => pubsubError('cancel', 'not-allowed', 'closed-node', 'only the owner may read this node');
export const unsupported = (feature: string) =>
  pubsubError('cancel', 'feature-not-implemented', 'unsupported', `${feature} is not supported on PEP nodes here`, { feature });
export const nodeNotFound = () => new StanzaError('cancel', 'item-not-found', 'no such node');
export const ownerOnly = () => new StanzaError('auth', 'forbidden', 'only the owner of this PEP service may do that');
