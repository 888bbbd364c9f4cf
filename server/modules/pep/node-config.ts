import { xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import { PEP_LIMITS } from './limits.js';

export type AccessModel = 'open' | 'presence' | 'whitelist';
export type SendLastPublished = 'never' | 'on_sub' | 'on_sub_and_presence';

/** A PEP node's configuration (XEP-0060 §16.4.4 pubsub#node_config, the options PEP clients use). */
export interface NodeConfig {
  accessModel: AccessModel;
  persistItems: boolean;
  maxItems: number;
  sendLastPublished: SendLastPublished;
  deliverNotifications: boolean;
  deliverPayloads: boolean;
  notifyRetract: boolean;
  notifyDelete: boolean;
  title: string;
}

/** XEP-0163 §4.5 / XEP-0060 defaults: presence access, the last item kept and sent on presence. */
export const DEFAULT_NODE_CONFIG: NodeConfig = {
  accessModel: 'presence',
  persistItems: true,
  maxItems: 1,
  sendLastPublished: 'on_sub_and_presence',
  deliverNotifications: true,
  deliverPayloads: true,
  notifyRetract: true,
  notifyDelete: true,
  title: '',
};

interface ConfigField {
  var: string;
  type: 'boolean' | 'list-single' | 'text-single';
  label: string;
  options?: readonly string[];
  get(config: NodeConfig): string;
  /** The config with this field set from a submitted value; throws not-acceptable for a bad one. */
  set(config: NodeConfig, value: string): NodeConfig;
}

type BooleanKey = { [K in keyof NodeConfig]: NodeConfig[K] extends boolean ? K : never }[keyof NodeConfig];

function booleanField(name: string, label: string, key: BooleanKey): ConfigField {
  return {
    var: `pubsub#${name}`, type: 'boolean', label,
    get: (config) => (config[key] ? '1' : '0'),
    set: (config, value) => {
      if (value === '1' || value === 'true') return { ...config, [key]: true };
      if (value === '0' || value === 'false') return { ...config, [key]: false };
      throw notAcceptable(`pubsub#${name} is true or false`);
    },
  };
}

function listField<K extends 'accessModel' | 'sendLastPublished'>(name: string, label: string, key: K, options: readonly NodeConfig[K][]): ConfigField {
  return {
    var: `pubsub#${name}`, type: 'list-single', label, options,
    get: (config) => config[key],
    set: (config, value) => {
      const option = options.find((candidate) => candidate === value);
      if (option === undefined) throw notAcceptable(`pubsub#${name} is one of ${options.join(', ')}`);
      return { ...config, [key]: option };
    },
  };
}

const FIELDS: readonly ConfigField[] = [
  { var: 'pubsub#title', type: 'text-single', label: 'A friendly name for the node',
    get: (config) => config.title,
    set: (config, value) => {
      if (value.length > PEP_LIMITS.titleLength) throw notAcceptable(`pubsub#title has at most ${PEP_LIMITS.titleLength} characters`);
      return { ...config, title: value };
    } },
  listField('access_model', 'Who may subscribe and retrieve items', 'accessModel', ['open', 'presence', 'whitelist']),
  booleanField('persist_items', 'Keep items', 'persistItems'),
  { var: 'pubsub#max_items', type: 'text-single', label: `Items kept (at most ${PEP_LIMITS.maxItems}, or "max")`,
    get: (config) => String(config.maxItems),
    set: (config, value) => {
      if (value === 'max') return { ...config, maxItems: PEP_LIMITS.maxItems };
      if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > PEP_LIMITS.maxItems) {
        throw notAcceptable(`pubsub#max_items is a number from 1 to ${PEP_LIMITS.maxItems}, or "max"`);
      }
      return { ...config, maxItems: Number(value) };
    } },
  listField('send_last_published_item', 'When to send the last published item', 'sendLastPublished', ['never', 'on_sub', 'on_sub_and_presence']),
  booleanField('deliver_notifications', 'Deliver event notifications', 'deliverNotifications'),
  booleanField('deliver_payloads', 'Deliver payloads with event notifications', 'deliverPayloads'),
  booleanField('notify_retract', 'Notify subscribers when items are removed', 'notifyRetract'),
  booleanField('notify_delete', 'Notify subscribers when the node is deleted', 'notifyDelete'),
];

/** Fields clients send that only have one possible value here; any other value cannot be met. */
const FIXED_FIELDS: Readonly<Record<string, string>> = {
  'pubsub#publish_model': 'publishers',
  'pubsub#notification_type': 'headline',
  'pubsub#presence_based_delivery': '0',
};

function notAcceptable(text: string): StanzaError {
  return new StanzaError('modify', 'not-acceptable', text);
}

/** The node configuration form (XEP-0060 §8.2): type 'form' to fill in. */
export function configForm(config: NodeConfig): Element {
  return xml('x', { xmlns: NS.dataForms, type: 'form' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.pubsubNodeConfig)),
    ...FIELDS.map((field) => xml('field', { var: field.var, type: field.type, label: field.label },
      xml('value', {}, field.get(config)),
      ...(field.options ?? []).map((option) => xml('option', {}, xml('value', {}, option))))));
}

/**
 * A submitted configuration applied to a config (XEP-0060 §8.2.4). Fields this server does
 * not know are left out rather than refused, as a client resubmits the form it was given.
 */
export function applyConfigForm(config: NodeConfig, fields: ReadonlyMap<string, readonly string[]>): NodeConfig {
  let next = config;
  for (const field of FIELDS) {
    const values = fields.get(field.var);
    if (values !== undefined) next = field.set(next, values[0] ?? '');
  }
  return next;
}

/**
 * XEP-0060 §7.1.5: whether a node's config already says what publish-options ask for. An
 * option this server does not know, or a value it cannot take, is a precondition not met.
 */
export function meetsPublishOptions(config: NodeConfig, options: ReadonlyMap<string, readonly string[]>): boolean {
  for (const [name, values] of options) {
    if (name === 'FORM_TYPE') continue;
    const value = values[0] ?? '';
    if (Object.hasOwn(FIXED_FIELDS, name)) {
      if (normalBoolean(value) !== FIXED_FIELDS[name]) return false;
      continue;
    }
    const field = FIELDS.find((candidate) => candidate.var === name);
    if (!field) return false;
    try {
      if (field.get(field.set(config, value)) !== field.get(config)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function normalBoolean(value: string): string {
  return value === 'true' ? '1' : value === 'false' ? '0' : value;
}

/** A config as stored: unknown or missing keys fall back to the defaults. */
export function storedConfig(value: unknown): NodeConfig {
  const stored = typeof value === 'object' && value !== null ? value as Partial<NodeConfig> : {};
  return { ...DEFAULT_NODE_CONFIG, ...stored };
}
