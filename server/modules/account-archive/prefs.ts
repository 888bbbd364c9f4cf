/**
 * XEP-0313 §6 archiving preferences of an account: a default (always, never, roster) and
 * lists of JIDs always or never archived, kept as the <prefs/> element in the account's
 * user data. JIDs are compared bare: the archive's 'with' is the peer's bare JID.
 */
import { xml, type Element } from '../../xml/element.js';
import { StanzaError } from '../../xml/errors.js';
import { NS } from '../../xml/namespaces.js';
import { tryParseJid } from '../../jid/jid.js';
import type { UserDataStore } from '../../storage/types.js';
import { parseStored } from '../user-data.js';

export const PREFS_KEY = 'urn:xmpp:mam:2#prefs';
/** JIDs per list: a preference, not an address book. */
export const MAX_PREF_JIDS = 500;

export type ArchiveDefault = 'always' | 'never' | 'roster';

export interface ArchivePrefs {
  default: ArchiveDefault;
  always: ReadonlySet<string>;
  never: ReadonlySet<string>;
}

/** What an account that never set preferences gets: everything archived (retention bounds it). */
export const DEFAULT_PREFS: ArchivePrefs = { default: 'always', always: new Set(), never: new Set() };

const DEFAULTS = new Set<string>(['always', 'never', 'roster']);

/** Reads a <prefs/> a client sent; a malformed one is the client's bad-request. */
export function parsePrefs(prefs: Element): ArchivePrefs {
  const chosen = prefs.attrs.default;
  if (typeof chosen !== 'string' || !DEFAULTS.has(chosen)) throw badRequest('default must be always, never or roster');
  const list = (name: string): Set<string> => {
    const jids = new Set<string>();
    for (const item of prefs.getChild(name)?.getChildren('jid') ?? []) {
      const jid = tryParseJid(item.getText().trim());
      if (!jid) throw badRequest(`<${name}/> holds an invalid JID`);
      jids.add(jid.bare().toString());
    }
    if (jids.size > MAX_PREF_JIDS) throw new StanzaError('modify', 'policy-violation', `at most ${MAX_PREF_JIDS} JIDs per list`);
    return jids;
  };
  const always = list('always');
  const never = list('never');
  // A JID in both lists is never archived (the safer reading).
  for (const jid of never) always.delete(jid);
  return { default: chosen as ArchiveDefault, always, never };
}

export function prefsElement(prefs: ArchivePrefs): Element {
  const list = (name: string, jids: ReadonlySet<string>) => xml(name, {}, ...[...jids].sort().map((jid) => xml('jid', {}, jid)));
  return xml('prefs', { xmlns: NS.mam, default: prefs.default }, list('always', prefs.always), list('never', prefs.never));
}

export function loadPrefs(store: UserDataStore, user: string): ArchivePrefs {
  const text = store.get(user, PREFS_KEY);
  const element = text === undefined ? undefined : parseStored(text);
  if (!element?.is('prefs', NS.mam)) return DEFAULT_PREFS;
  try {
    return parsePrefs(element);
  } catch {
    return DEFAULT_PREFS;
  }
}

export function savePrefs(store: UserDataStore, user: string, prefs: ArchivePrefs): void {
  store.set(user, PREFS_KEY, prefsElement(prefs).toString());
}

/** Whether a message with `peer` (a bare JID) goes into the account's archive. */
export function archivesWith(prefs: ArchivePrefs, peer: string, inRoster: () => boolean): boolean {
  if (prefs.never.has(peer)) return false;
  if (prefs.always.has(peer)) return true;
  return prefs.default === 'always' || (prefs.default === 'roster' && inRoster());
}

function badRequest(text: string): StanzaError {
  return new StanzaError('modify', 'bad-request', text);
}
