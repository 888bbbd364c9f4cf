import { describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import { capsVerification, discoInfoParts } from '../../server/modules/caps/verification.js';
import { applyConfigForm, DEFAULT_NODE_CONFIG, meetsPublishOptions } from '../../server/modules/pep/node-config.js';
import { PepNodeStore } from '../../server/modules/pep/node-store.js';
import { PEP_LIMITS } from '../../server/modules/pep/limits.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';
import { legacyBookmarks, legacyStorage, nativeBookmark, nativePayload } from '../../server/modules/bookmarks/conversion.js';

const field = (name: string, ...values: string[]) => xml('field', { var: name }, ...values.map((value) => xml('value', {}, value)));

describe('XEP-0115 verification strings', () => {
  it('hashes the simple example of XEP-0115 §5.2', () => {
    const parts = { identities: [{ category: 'client', type: 'pc', name: 'Exodus 0.9.1' }],
      features: ['http://jabber.org/protocol/caps', 'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/muc'], forms: [] };
    expect(capsVerification(parts)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('hashes the complex example of XEP-0115 §5.3 (languages, an extended form)', () => {
    const query = xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' },
      xml('identity', { 'xml:lang': 'en', category: 'client', name: 'Psi 0.11', type: 'pc' }),
      xml('identity', { 'xml:lang': 'el', category: 'client', name: 'Ψ 0.11', type: 'pc' }),
      ...['http://jabber.org/protocol/caps', 'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items', 'http://jabber.org/protocol/muc']
        .map((v) => xml('feature', { var: v })),
      xml('x', { xmlns: 'jabber:x:data', type: 'result' },
        xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, 'urn:xmpp:dataforms:softwareinfo')),
        field('ip_version', 'ipv4', 'ipv6'), field('os', 'Mac'), field('os_version', '10.5.1'), field('software', 'Psi'), field('software_version', '0.11')));
    expect(capsVerification(discoInfoParts(query)!)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });

  it('does not trust an answer with duplicate features (XEP-0115 §5.4)', () => {
    const query = xml('query', {}, xml('feature', { var: 'a' }), xml('feature', { var: 'a' }));
    expect(discoInfoParts(query)).toBeUndefined();
  });
});

describe('PEP node configuration', () => {
  const options = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, [v]]));

  it('publish-options are met by a node configured that way, "max" included', () => {
    const config = applyConfigForm(DEFAULT_NODE_CONFIG, options({ 'pubsub#access_model': 'whitelist', 'pubsub#max_items': 'max' }));
    expect(config).toMatchObject({ accessModel: 'whitelist', maxItems: PEP_LIMITS.maxItems });
    expect(meetsPublishOptions(config, options({ FORM_TYPE: 'x', 'pubsub#max_items': 'max', 'pubsub#persist_items': 'true' }))).toBe(true);
    expect(meetsPublishOptions(config, options({ 'pubsub#access_model': 'open' }))).toBe(false);
    expect(meetsPublishOptions(config, options({ 'pubsub#max_items': '0' }))).toBe(false);
    expect(meetsPublishOptions(config, options({ 'pubsub#something_else': '1' }))).toBe(false);
    expect(meetsPublishOptions(config, options({ 'pubsub#publish_model': 'publishers' }))).toBe(true);
  });

  it('refuses values it cannot take', () => {
    expect(() => applyConfigForm(DEFAULT_NODE_CONFIG, options({ 'pubsub#access_model': 'roster' }))).toThrow(/access_model/);
    expect(() => applyConfigForm(DEFAULT_NODE_CONFIG, options({ 'pubsub#max_items': '100000' }))).toThrow(/max_items/);
  });
});

describe('PEP node store caps', () => {
  it('refuses a node over its size and a node past the count, changing nothing', () => {
    const nodes = new PepNodeStore(createMemoryStorage().userData);
    const big = 'x'.repeat(PEP_LIMITS.bytesPerNode);
    expect(() => nodes.put('a@example.org', 'big', { config: DEFAULT_NODE_CONFIG, items: [{ id: '1', payload: big }] })).toThrow(/KiB/);
    for (let i = 0; i < PEP_LIMITS.nodes; i += 1) nodes.put('a@example.org', `n${i}`, { config: DEFAULT_NODE_CONFIG, items: [] });
    expect(() => nodes.put('a@example.org', 'one-more', { config: DEFAULT_NODE_CONFIG, items: [] })).toThrow(/at most/);
    expect(nodes.names('a@example.org')).toHaveLength(PEP_LIMITS.nodes);
  });
});

describe('bookmark conversion (XEP-0411)', () => {
  it('turns XEP-0048 conferences into XEP-0402 items and back, keeping the urls', () => {
    const storage = xml('storage', { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: 'a@muc.example.org', name: 'A', autojoin: '1' }, xml('nick', {}, 'al'), xml('password', {}, 'pw')),
      xml('url', { name: 'site', url: 'https://example.org' }));
    const bookmarks = legacyBookmarks(storage);
    const item = nativePayload(bookmarks.get('a@muc.example.org')!);
    expect(item.toString()).toBe('<conference xmlns="urn:xmpp:bookmarks:1" name="A" autojoin="true"><nick>al</nick><password>pw</password></conference>');
    const back = legacyStorage([nativeBookmark('a@muc.example.org', item)!], storage);
    expect(back.getChild('url')?.attrs.url).toBe('https://example.org');
    expect(legacyBookmarks(back)).toEqual(bookmarks);
  });
});
