/** Block list matching (XEP-0191 §3, XEP-0016 rules) and its storage in user data. */
import { describe, expect, it } from 'vitest';
import { parseJid } from '../../server/jid/jid.js';
import { MemoryUserDataStore } from '../../server/storage/memory/user-data.js';
import { BlockLists } from '../../server/modules/blocking/block-list.js';

const USER = 'alice@example.org';

function listOf(items: string[], cached = false): { lists: BlockLists; store: MemoryUserDataStore } {
  const store = new MemoryUserDataStore();
  const lists = new BlockLists(store, cached);
  lists.save(USER, new Set(items));
  return { lists, store };
}

const blocks = (lists: BlockLists, jid: string) => lists.blocks(USER, parseJid(jid));

describe('block lists', () => {
  it('match a full JID exactly, a bare JID with any resource, a domain with anyone on it', () => {
    const { lists } = listOf(['bob@example.org/phone', 'carol@example.org', 'spam.example', 'example.net/bot']);
    expect(blocks(lists, 'bob@example.org/phone')).toBe(true);
    expect(blocks(lists, 'bob@example.org/laptop')).toBe(false);
    expect(blocks(lists, 'bob@example.org')).toBe(false);
    expect(blocks(lists, 'carol@example.org/any')).toBe(true);
    expect(blocks(lists, 'carol@example.org')).toBe(true);
    expect(blocks(lists, 'x@spam.example/y')).toBe(true);
    expect(blocks(lists, 'spam.example')).toBe(true);
    expect(blocks(lists, 'example.net/bot')).toBe(true);
    expect(blocks(lists, 'someone@example.net/bot')).toBe(true);
    expect(blocks(lists, 'someone@example.net/other')).toBe(false);
    expect(lists.blocks('nobody@example.org', parseJid('carol@example.org'))).toBe(false);
  });

  it('an empty list is no stored value, and unreadable stored data blocks nobody', () => {
    const { lists, store } = listOf(['carol@example.org']);
    lists.save(USER, new Set());
    expect(store.get(USER, 'urn:xmpp:blocking')).toBeUndefined();
    store.set(USER, 'urn:xmpp:blocking', '{not json');
    expect(lists.items(USER).size).toBe(0);
  });

  it('cached, a list changed behind its back counts once the user is forgotten (signs in again)', () => {
    const { lists, store } = listOf(['carol@example.org'], true);
    expect(blocks(lists, 'carol@example.org')).toBe(true);
    store.set(USER, 'urn:xmpp:blocking', null);
    expect(blocks(lists, 'carol@example.org')).toBe(true);
    lists.forget(USER);
    expect(blocks(lists, 'carol@example.org')).toBe(false);
  });
});
