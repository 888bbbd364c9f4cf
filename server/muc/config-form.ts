import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { LIMITS } from './limits.js';
import { isAllowPm, isWhois } from './room-config.js';
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
  options?: (limits: FormLimits, config: RoomConfig) => { label: string; value: string }[];
  get(config: RoomConfig): string;
  /** Returns the changed config or throws a StanzaError for a bad value. */
  set(config: RoomConfig, value: string, limits: FormLimits): RoomConfig;
}

export const bool = (value: boolean) => (value ? '1' : '0');

export function parseBoolean(field: string, value: string): boolean {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new StanzaError('modify', 'bad-request', `${field} must be true or false`);
}

function parseCount(field: string, value: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new StanzaError('modify', 'not-acceptable', `${field} must be a number from ${min} to ${max}`);
  }
  return Number(value);
}

function text(field: string, value: string, max: number): string {
  if (value.length > max) throw new StanzaError('modify', 'not-acceptable', `${field} is longer than ${max} characters`);
  return value;
}

function booleanField(name: string, label: string, key: 'persistent' | 'public' | 'membersOnly' | 'moderated' | 'changeSubject' | 'allowInvites'): ConfigField {
  return {
    var: `muc#roomconfig_${name}`,
    type: 'boolean',
    label,
    get: (config) => bool(config[key]),
    set: (config, value) => ({ ...config, [key]: parseBoolean(name, value) }),
  };
}

const USER_LIMIT_CHOICES = [5, 10, 20, 30, 50, 100, 200, 500, 1000];

/** The room configuration form's fields of the core (XEP-0045 §10.2); features add theirs (the 'config-form' event). */
export const CORE_CONFIG_FIELDS: readonly ConfigField[] = [
  {
    var: 'muc#roomconfig_roomname', type: 'text-single', label: 'Title',
    get: (config) => config.name,
    set: (config, value) => ({ ...config, name: text('roomname', value, LIMITS.roomTitle) }),
  },
  {
    var: 'muc#roomconfig_roomdesc', type: 'text-single', label: 'Description',
    get: (config) => config.description,
    set: (config, value) => ({ ...config, description: text('roomdesc', value, LIMITS.roomDescription) }),
  },
  booleanField('persistentroom', 'Keep the room when the last person leaves', 'persistent'),
  booleanField('publicroom', 'List the room in the directory', 'public'),
  booleanField('membersonly', 'Only members may enter', 'membersOnly'),
  booleanField('moderatedroom', 'Only participants with voice may speak', 'moderated'),
  {
    var: 'muc#roomconfig_passwordprotectedroom', type: 'boolean', label: 'A password is needed to enter',
    get: (config) => bool(config.password !== ''),
    // Decided after the password field, in applyConfigForm.
    set: (config, value) => (parseBoolean('passwordprotectedroom', value), config),
  },
  {
    var: 'muc#roomconfig_roomsecret', type: 'text-private', label: 'Password',
    get: (config) => config.password,
    set: (config, value) => ({ ...config, password: text('roomsecret', value, LIMITS.password) }),
  },
  {
    var: 'muc#roomconfig_whois', type: 'list-single', label: 'Who may see real addresses',
    options: () => [{ label: 'Moderators only', value: 'moderators' }, { label: 'Anyone', value: 'anyone' }],
    get: (config) => config.whois,
    set: (config, value) => {
      if (!isWhois(value)) throw new StanzaError('modify', 'not-acceptable', 'whois is moderators or anyone');
      return { ...config, whois: value };
    },
  },
  {
    var: 'muc#roomconfig_allowpm', type: 'list-single', label: 'Who may send private messages',
    options: () => [
      { label: 'Anyone', value: 'anyone' },
      { label: 'Participants and moderators', value: 'participants' },
      { label: 'Moderators only', value: 'moderators' },
      { label: 'Nobody', value: 'none' },
    ],
    get: (config) => config.allowPm,
    set: (config, value) => {
      // Some clients send this field as a boolean.
      const mapped = value === '1' || value === 'true' ? 'anyone' : value === '0' || value === 'false' ? 'none' : value;
      if (!isAllowPm(mapped)) throw new StanzaError('modify', 'not-acceptable', 'allowpm is anyone, participants, moderators or none');
      return { ...config, allowPm: mapped };
    },
  },
  booleanField('changesubject', 'Participants may change the subject', 'changeSubject'),
  booleanField('allowinvites', 'Members may invite others (who become members)', 'allowInvites'),
  {
    var: 'muc#roomconfig_maxusers', type: 'list-single', label: 'Most people in the room',
    options: (limits, config) => [...new Set([...USER_LIMIT_CHOICES.filter((n) => n < limits.maxUsers), config.maxUsers, limits.maxUsers])]
      .sort((a, b) => a - b).map((n) => ({ label: String(n), value: String(n) })),
    get: (config) => String(config.maxUsers),
    set: (config, value, limits) => ({
      ...config,
      maxUsers: value === '' || value === 'none' ? limits.maxUsers : parseCount('maxusers', value, 1, limits.maxUsers),
    }),
  },
  {
    var: 'muc#roomconfig_historylength', type: 'text-single', label: 'Messages shown to people who enter',
    get: (config) => String(config.historyLength),
    set: (config, value, limits) => ({ ...config, historyLength: parseCount('historylength', value, 0, limits.maxHistoryLength) }),
  },
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
  const protectedValue = values.get('muc#roomconfig_passwordprotectedroom');
  if (protectedValue !== undefined) {
    if (!parseBoolean('passwordprotectedroom', protectedValue)) return { ...config, password: '' };
    if (config.password === '') throw new StanzaError('modify', 'not-acceptable', 'a password-protected room needs a password');
  }
  return config;
}
