import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { LIMITS } from './limits.js';
import type { RoomConfig } from './types.js';

export const ROOMCONFIG_FORM_TYPE = 'http://jabber.org/protocol/muc#roomconfig';

/** What bounds a form's values: the server's [muc] policy. */
export interface FormLimits {
  maxUsers: number;
  maxHistoryLength: number;
}

type FieldType = 'text-single' | 'text-private' | 'boolean' | 'list-single';

/** One field of the room configuration form: how it shows a config, and how a submitted value changes it. */
export interface ConfigField {
  var: string;
  /** Other names clients submit it under. */
  aliases?: readonly string[];
  type: FieldType;
  label: string;
  /** Where the field is shown: fields come in increasing position, whichever feature adds them. */
  position: number;
  options?: (limits: FormLimits, config: RoomConfig) => { label: string; value: string }[];
  get(config: RoomConfig): string;
  /** Returns the changed config or throws a StanzaError for a bad value. */
  set(config: RoomConfig, value: string, limits: FormLimits): RoomConfig;
  /** For a submitted value whose meaning depends on other fields: runs once every field is set. */
  settle?(config: RoomConfig, value: string): RoomConfig;
}

export const bool = (value: boolean) => (value ? '1' : '0');

export function parseBoolean(field: string, value: string): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new StanzaError('modify', 'bad-request', `${field} must be true or false`);
}

export function parseCount(field: string, value: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new StanzaError('modify', 'not-acceptable', `${field} must be a number from ${min} to ${max}`);
  }
  return Number(value);
}

export function parseText(field: string, value: string, max: number): string {
  if (value.length > max) throw new StanzaError('modify', 'not-acceptable', `${field} is longer than ${max} characters`);
  return value;
}

export type BooleanKey = { [K in keyof RoomConfig]: RoomConfig[K] extends boolean ? K : never }[keyof RoomConfig];

/** A muc#roomconfig_<name> switch for one boolean key of the configuration. */
export function booleanField(name: string, label: string, key: BooleanKey, position: number): ConfigField {
  return {
    var: `muc#roomconfig_${name}`,
    type: 'boolean',
    label,
    position,
    get: (config) => bool(config[key]),
    set: (config, value) => ({ ...config, [key]: parseBoolean(name, value) }),
  };
}

/** The room configuration form's fields of the core (XEP-0045 §10.2); features add theirs (the 'config-form' event). */
export const CORE_CONFIG_FIELDS: readonly ConfigField[] = [
  booleanField('persistentroom', 'Keep the room when the last person leaves', 'persistent', 30),
];

export function configForm(roomJid: string, config: RoomConfig, limits: FormLimits, fields: readonly ConfigField[]): Element {
  return xml('x', { xmlns: NS.dataForms, type: 'form' },
    xml('title', {}, `Configuration of ${roomJid}`),
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, ROOMCONFIG_FORM_TYPE)),
    ...fields.map((field) => xml('field', { var: field.var, type: field.type, label: field.label },
        xml('value', {}, field.get(config)),
        ...(field.options?.(limits, config) ?? []).map((option) =>
          xml('option', { label: option.label }, xml('value', {}, option.value))))));
}

/**
 * Applies a submitted form (§10.2): fields not submitted keep their value, so an empty
 * submission accepts the room as it is (an instant room). Throws a StanzaError.
 */
export function applyConfigForm(current: RoomConfig, form: Element, limits: FormLimits, fields: readonly ConfigField[]): RoomConfig {
  const aliases = new Map<string, string>();
  for (const field of fields) for (const alias of field.aliases ?? []) aliases.set(alias, field.var);
  const values = new Map<string, string>();
  for (const field of form.getChildren('field')) {
    const name = aliases.get(field.attrs.var ?? '') ?? field.attrs.var;
    if (name) values.set(name, field.getChildText('value') ?? '');
  }
  const formType = values.get('FORM_TYPE');
  if (formType !== undefined && formType !== ROOMCONFIG_FORM_TYPE) {
    throw new StanzaError('modify', 'bad-request', `FORM_TYPE must be ${ROOMCONFIG_FORM_TYPE}`);
  }
  let config = current;
  for (const field of fields) {
    const value = values.get(field.var);
    if (value !== undefined) config = field.set(config, value, limits);
  }
  for (const field of fields) {
    const value = values.get(field.var);
    if (value !== undefined && field.settle) config = field.settle(config, value);
  }
  return config;
}
