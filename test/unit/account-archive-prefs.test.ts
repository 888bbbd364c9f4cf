/** XEP-0313 §6 preferences of the accounts' archive: parsing, storing and what they decide. */
import { describe, expect, it } from 'vitest';
import { parse } from 'ltx';
import { StanzaError } from '../../server/xml/errors.js';
import { MemoryUserDataStore } from '../../server/storage/memory/user-data.js';
import {
  DEFAULT_PREFS, MAX_PREF_JIDS, archivesWith, loadPrefs, parsePrefs, prefsElement, savePrefs,
} from '../../server/modules/account-archive/prefs.js';

const prefs = (inner: string, defaultValue = 'roster') =>
  parse(`<prefs xmlns='urn:xmpp:mam:2' default='${defaultValue}'>${inner}</prefs>`);

function condition(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof StanzaError) return error.condition;
    throw error;
  }
  throw new Error('expected a StanzaError');
}

describe('archive preferences', () => {
  it('reads lists as bare JIDs; a JID in both lists is never archived', () => {
    const read = parsePrefs(prefs('<always><jid>carol@localhost/phone</jid><jid>dave@localhost</jid></always><never><jid>dave@localhost</jid></never>'));
    expect(read.default).toBe('roster');
    expect([...read.always]).toEqual(['carol@localhost']);
    expect([...read.never]).toEqual(['dave@localhost']);
  });

  it('refuses a missing or unknown default, an invalid JID, and lists that are too long', () => {
    expect(condition(() => parsePrefs(parse("<prefs xmlns='urn:xmpp:mam:2'/>")))).toBe('bad-request');
    expect(condition(() => parsePrefs(prefs('', 'sometimes')))).toBe('bad-request');
    expect(condition(() => parsePrefs(prefs('<never><jid>@@</jid></never>')))).toBe('bad-request');
    const many = Array.from({ length: MAX_PREF_JIDS + 1 }, (_, i) => `<jid>u${i}@localhost</jid>`).join('');
    expect(condition(() => parsePrefs(prefs(`<always>${many}</always>`)))).toBe('policy-violation');
  });

  it('round-trips through the user\'s data; an account that never chose archives everything', () => {
    const store = new MemoryUserDataStore();
    expect(loadPrefs(store, 'alice@localhost')).toBe(DEFAULT_PREFS);
    const chosen = parsePrefs(prefs('<always><jid>carol@localhost</jid></always><never/>', 'never'));
    savePrefs(store, 'alice@localhost', chosen);
    expect(prefsElement(loadPrefs(store, 'alice@localhost')).toString()).toBe(prefsElement(chosen).toString());
  });

  it('decides by list first, then by default', () => {
    const chosen = parsePrefs(prefs('<always><jid>carol@localhost</jid></always><never><jid>eve@localhost</jid></never>'));
    expect(archivesWith(chosen, 'carol@localhost', () => false)).toBe(true);
    expect(archivesWith(chosen, 'eve@localhost', () => true)).toBe(false);
    expect(archivesWith(chosen, 'bob@localhost', () => true)).toBe(true);
    expect(archivesWith(chosen, 'bob@localhost', () => false)).toBe(false);
    expect(archivesWith(DEFAULT_PREFS, 'anyone@anon.localhost', () => false)).toBe(true);
  });
});
