/** Reading what a client asks of a room archive, and the answer's shape. */
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { xml, type Element } from '../../server/xml/element.js';
import { StanzaError } from '../../server/xml/errors.js';
import { NS } from '../../server/xml/namespaces.js';
import { parseJid } from '../../server/jid/jid.js';
import { FULLTEXT_FIELD, MAX_PAGE, parseMamQuery, queryForm, roomWith } from '../../server/mam/query.js';
import { fin, resultMessage } from '../../server/mam/results.js';
import { toFtsQuery } from '../../server/storage/sqlite/fulltext.js';
import { toTsQuery } from '../../server/storage/postgres/archive-search.js';
import { MAX_SEARCH_TERMS } from '../../server/storage/search.js';

const ROOM = parseJid('lobby@conference.localhost');

function query(fields: Record<string, string | string[]> | null, set?: string, extra = ''): Element {
  const form = fields === null ? '' : `<x xmlns='jabber:x:data' type='submit'>${Object.entries(fields).map(([name, value]) =>
    `<field var='${name}'>${(Array.isArray(value) ? value : [value]).map((v) => `<value>${v}</value>`).join('')}</field>`).join('')}</x>`;
  return parse(`<query xmlns='urn:xmpp:mam:2' queryid='q1'>${form}${set ? `<set xmlns='http://jabber.org/protocol/rsm'>${set}</set>` : ''}${extra}</query>`);
}

function condition(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof StanzaError) return error.condition;
    throw error;
  }
  return 'no error';
}

describe('a MAM query to a room', () => {
  it('without a form or set asks for the first page of everything', () => {
    expect(parseMamQuery(query(null), roomWith(ROOM))).toEqual({
      queryId: 'q1', filter: {}, page: { max: 20 }, flip: false, matchesNothing: false,
    });
  });

  it('reads every filter', () => {
    const parsed = parseMamQuery(query({
      FORM_TYPE: NS.mam,
      start: '2024-01-01T00:00:00Z',
      end: '2024-01-02T01:30:00.500+01:00',
      with: 'lobby@conference.localhost/Alice',
      'after-id': 'a', 'before-id': 'b', ids: ['x', 'y'],
      [FULLTEXT_FIELD]: 'deploy friday',
    }, '<max>5</max><after>m1</after>', '<flip-page/>'), roomWith(ROOM));
    expect(parsed.filter).toEqual({
      start: Date.UTC(2024, 0, 1),
      end: Date.UTC(2024, 0, 2, 0, 30, 0, 500),
      nick: 'Alice',
      afterId: 'a', beforeId: 'b', ids: ['x', 'y'],
      search: 'deploy friday',
    });
    expect(parsed.page).toEqual({ max: 5, after: 'm1' });
    expect(parsed.flip).toBe(true);
  });

  it('caps the page size and reads an empty <before/> as the last page', () => {
    expect(parseMamQuery(query(null, '<max>100000</max><before/>'), roomWith(ROOM)).page).toEqual({ max: MAX_PAGE, before: '' });
    expect(parseMamQuery(query(null, '<max>0</max><index>7</index>'), roomWith(ROOM)).page).toEqual({ max: 0, index: 7 });
  });

  it("'with' the room itself is everyone; another JID matches nothing", () => {
    expect(parseMamQuery(query({ with: 'lobby@conference.localhost' }), roomWith(ROOM))).toMatchObject({ filter: {}, matchesNothing: false });
    expect(parseMamQuery(query({ with: 'alice@localhost' }), roomWith(ROOM)).matchesNothing).toBe(true);
  });

  it('refuses malformed queries with bad-request and unknown fields with feature-not-implemented', () => {
    expect(condition(() => parseMamQuery(query({ start: 'yesterday' }), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({ end: '2024-13-45T99:00:00Z' }), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({ with: 'a@b@c' }), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({ FORM_TYPE: 'urn:other' }), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query(null, '<max>-1</max>'), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query(null, '<max>ten</max>'), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query(null, '<after/>'), roomWith(ROOM)))).toBe('bad-request');
    expect(condition(() => parseMamQuery(query({ 'include-groupchat': 'true' }), roomWith(ROOM)))).toBe('feature-not-implemented');
    expect(condition(() => parseMamQuery(query({ ids: Array.from({ length: 101 }, (_, i) => `id${i}`) }), roomWith(ROOM)))).toBe('policy-violation');
  });

  it('the form lists every field a room archive understands', () => {
    const vars = queryForm().getChild('x', NS.dataForms)!.getChildren('field').map((f) => f.attrs.var);
    expect(vars).toEqual(['FORM_TYPE', 'with', 'start', 'end', 'before-id', 'after-id', 'ids', FULLTEXT_FIELD]);
  });
});

describe('the answer', () => {
  it('forwards the archived message with its delay, in jabber:client, to the requester', () => {
    const stanza = xml('message', { from: 'lobby@conference.localhost/alice', type: 'groupchat' }, xml('body', {}, 'hi'));
    const message = resultMessage('lobby@conference.localhost', 'bob@localhost/pc', 'q1', { id: 'm1', stanza, timestamp: Date.UTC(2024, 0, 1) });
    expect(message.attrs).toEqual({ from: 'lobby@conference.localhost', to: 'bob@localhost/pc' });
    const result = message.getChild('result', NS.mam)!;
    expect(result.attrs).toMatchObject({ queryid: 'q1', id: 'm1' });
    const forwarded = result.getChild('forwarded', NS.forward)!;
    expect(forwarded.getChild('delay', NS.delay)!.attrs.stamp).toBe('2024-01-01T00:00:00.000Z');
    expect(forwarded.getChild('message', NS.client)!.getChildText('body')).toBe('hi');
  });

  it('ends with <fin/> carrying the RSM set', () => {
    const msg = (id: string) => ({ id, stanza: xml('message'), timestamp: 0 });
    const done = fin({ messages: [msg('a'), msg('b')], complete: false, count: 9, firstIndex: 3 });
    expect(done.toString()).toBe(
      "<fin xmlns=\"urn:xmpp:mam:2\" complete=\"false\"><set xmlns=\"http://jabber.org/protocol/rsm\">" +
      "<first index=\"3\">a</first><last>b</last><count>9</count></set></fin>");
    expect(fin({ messages: [], complete: true, count: 0 }).toString()).toBe(
      "<fin xmlns=\"urn:xmpp:mam:2\" complete=\"true\"><set xmlns=\"http://jabber.org/protocol/rsm\"><count>0</count></set></fin>");
  });
});

describe('search text becomes a safe FTS5 query', () => {
  it('quotes every term and keeps only searchable ones', () => {
    expect(toFtsQuery('deploy friday')).toBe('"deploy"* "friday"*');
    expect(toFtsQuery('a "new release" OR')).toBe('"a" "new release" "OR"');
    expect(toFtsQuery('say "hi')).toBe('"say"* "hi"');
    expect(toFtsQuery('" * ( ) : ^ -')).toBeNull();
    expect(toFtsQuery('')).toBeNull();
  });

  it('caps the number of terms', () => {
    const many = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    expect(toFtsQuery(many)!.split(' ')).toHaveLength(MAX_SEARCH_TERMS);
  });
});

describe('search text becomes a safe PostgreSQL tsquery', () => {
  it('keeps only words, folded as they are indexed: all terms, phrases in order, prefixes for bare words', () => {
    expect(toTsQuery('Deploy Friday')).toBe("('deploy':*) & ('friday':*)");
    expect(toTsQuery('a "new release" OR')).toBe("('a') & ('new' <-> 'release') & ('or')");
    expect(toTsQuery('café-crème')).toBe("('cafe' <-> 'creme':*)");
    expect(toTsQuery("it's & !x | y:* <->")).toBe("('it' <-> 's':*) & ('x') & ('y':*)");
    expect(toTsQuery('" * ( ) : ^ - & | !')).toBeNull();
    expect(toTsQuery('')).toBeNull();
  });

  it('caps the number of terms', () => {
    const many = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    expect(toTsQuery(many)!.split(' & ')).toHaveLength(MAX_SEARCH_TERMS);
  });
});
