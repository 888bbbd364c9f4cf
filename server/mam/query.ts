/**
 * Reading a MAM query (XEP-0313 §4): the data form of filters, the RSM <set/> (XEP-0059) and
 * <flip-page/>, into values the store understands. Every malformed part is the client's
 * bad-request; a field we do not know is feature-not-implemented, as §4.1.5 requires.
 */
import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import type { ArchiveFilter, PageRequest } from '../storage/archive.js';

/** XEP-0431 full-text search field, as ejabberd and Prosody name it. */
export const FULLTEXT_FIELD = '{urn:xmpp:fulltext:0}fulltext';
export const NS_FULLTEXT = 'urn:xmpp:fulltext:0';
export const NS_MAM_EXTENDED = 'urn:xmpp:mam:2#extended';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;
/** The ids field fetches known messages; more than a page's worth is not a lookup. */
export const MAX_IDS = MAX_PAGE;

export interface MamQuery {
  queryId?: string;
  filter: ArchiveFilter;
  page: PageRequest;
  /** XEP-0313 #extended: send the page newest first. */
  flip: boolean;
  /** A 'with' naming someone who cannot be in this archive: nothing can match. */
  matchesNothing: boolean;
}

/**
 * What the archive's 'with' filter means: the store's `nick` (a room's sender nick, an
 * account's peer) and perhaps `occupantId` (an account's peer's full JID) to match, undefined
 * for every message, or null when nothing can match.
 */
export type WithFilter = (jid: Jid) => Pick<ArchiveFilter, 'nick' | 'occupantId'> | undefined | null;

/** Parses <query xmlns='urn:xmpp:mam:2'/> for an archive whose 'with' filter is `readWith`. */
export function parseMamQuery(query: Element, readWith: WithFilter): MamQuery {
  if (query.attrs.node !== undefined) throw new StanzaError('cancel', 'feature-not-implemented', 'this archive has no nodes');
  const result: MamQuery = {
    queryId: query.attrs.queryid,
    filter: {},
    page: parsePage(query.getChild('set', NS.rsm)),
    flip: query.getChild('flip-page') !== undefined,
    matchesNothing: false,
  };
  const form = query.getChild('x', NS.dataForms);
  if (form) readForm(form, readWith, result);
  return result;
}

function readForm(form: Element, readWith: WithFilter, into: MamQuery): void {
  if (form.attrs.type !== undefined && form.attrs.type !== 'submit') throw badRequest('the filter form must be of type submit');
  const seen = new Set<string>();
  for (const field of form.getChildren('field')) {
    const name = field.attrs.var;
    if (typeof name !== 'string') throw badRequest('a form field has no var');
    if (seen.has(name)) throw badRequest(`field ${name} given twice`);
    seen.add(name);
    const values = field.getChildren('value').map((value) => value.getText());
    const value = values[0] ?? '';
    switch (name) {
      case 'FORM_TYPE':
        if (value !== NS.mam) throw badRequest(`FORM_TYPE must be ${NS.mam}`);
        break;
      case 'start':
        if (value) into.filter.start = parseTime(value, name);
        break;
      case 'end':
        if (value) into.filter.end = parseTime(value, name);
        break;
      case 'with':
        if (value) applyWith(value, readWith, into);
        break;
      case 'after-id':
        if (value) into.filter.afterId = value;
        break;
      case 'before-id':
        if (value) into.filter.beforeId = value;
        break;
      case 'ids': {
        const ids = values.filter((id) => id.length > 0);
        if (ids.length > MAX_IDS) throw new StanzaError('modify', 'policy-violation', `at most ${MAX_IDS} ids per query`);
        if (ids.length > 0) into.filter.ids = ids;
        break;
      }
      case FULLTEXT_FIELD:
        if (value.trim()) into.filter.search = value;
        break;
      default:
        throw new StanzaError('cancel', 'feature-not-implemented', `unsupported field ${name.slice(0, 100)}`);
    }
  }
}

function applyWith(value: string, readWith: WithFilter, into: MamQuery): void {
  const jid = tryParseJid(value);
  if (!jid) throw badRequest('with is not a valid JID');
  const match = readWith(jid);
  if (match === null) into.matchesNothing = true;
  else if (match !== undefined) Object.assign(into.filter, match);
}

/**
 * In a room archive 'with' names a sender: an occupant JID (room/nick). The room's own bare
 * JID is every sender; any other JID sent nothing here.
 */
export function roomWith(room: Jid): WithFilter {
  return (jid) => (!jid.bare().equals(room) ? null : jid.resource === null ? undefined : { nick: jid.resource });
}

function parsePage(set: Element | undefined): PageRequest {
  const page: PageRequest = { max: DEFAULT_PAGE };
  if (!set) return page;
  const max = set.getChild('max');
  if (max) page.max = Math.min(parseCount(max.getText(), 'max'), MAX_PAGE);
  const after = set.getChild('after');
  if (after) {
    const id = after.getText();
    if (!id) throw badRequest('<after/> needs an id');
    page.after = id;
  }
  const before = set.getChild('before');
  if (before) page.before = before.getText();
  const index = set.getChild('index');
  if (index) page.index = parseCount(index.getText(), 'index');
  return page;
}

const COUNT = /^\d{1,9}$/;

function parseCount(text: string, what: string): number {
  const trimmed = text.trim();
  if (!COUNT.test(trimmed)) throw badRequest(`${what} must be a whole number`);
  return Number(trimmed);
}

// XEP-0082 DateTime: a date, a time with optional fraction, and Z or an offset.
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function parseTime(text: string, what: string): number {
  const trimmed = text.trim();
  const ms = DATETIME.test(trimmed) ? Date.parse(trimmed) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`${what} must be a XEP-0082 date-time like 2024-05-01T12:00:00Z`);
  return ms;
}

function badRequest(text: string): StanzaError {
  return new StanzaError('modify', 'bad-request', text);
}

/** The answer to an iq get of the query form: every field an archive understands. */
export function queryForm(): Element {
  const field = (name: string, type: string, ...children: Element[]) => xml('field', { var: name, type }, ...children);
  return xml('query', { xmlns: NS.mam },
    xml('x', { xmlns: NS.dataForms, type: 'form' },
      field('FORM_TYPE', 'hidden', xml('value', {}, NS.mam)),
      field('with', 'jid-single'),
      field('start', 'text-single'),
      field('end', 'text-single'),
      field('before-id', 'text-single'),
      field('after-id', 'text-single'),
      field('ids', 'list-multi',
        xml('validate', { xmlns: 'http://jabber.org/protocol/xdata-validate', datatype: 'xs:string' }, xml('open'))),
      field(FULLTEXT_FIELD, 'text-single')));
}
