import { xml, type Element } from '../../xml/element.js';
import { NS } from '../../xml/namespaces.js';

/** What XEP-0048 and XEP-0402 bookmarks both say about a room. */
export interface Bookmark {
  jid: string;
  name: string | undefined;
  autojoin: boolean;
  nick: string | undefined;
  password: string | undefined;
}

const isTrue = (value: unknown) => value === 'true' || value === '1';
const optionalText = (element: Element, name: string) => element.getChildText(name) ?? undefined;
const optionalAttr = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The rooms of an XEP-0048 <storage xmlns='storage:bookmarks'/>, by room JID. */
export function legacyBookmarks(storage: Element | undefined): Map<string, Bookmark> {
  const bookmarks = new Map<string, Bookmark>();
  for (const conference of storage?.getChildren('conference') ?? []) {
    const jid = optionalAttr(conference.attrs.jid);
    if (jid === undefined) continue;
    bookmarks.set(jid, {
      jid,
      name: optionalAttr(conference.attrs.name),
      autojoin: isTrue(conference.attrs.autojoin),
      nick: optionalText(conference, 'nick'),
      password: optionalText(conference, 'password'),
    });
  }
  return bookmarks;
}

/** An XEP-0402 item (id: the room JID, payload: <conference xmlns='urn:xmpp:bookmarks:1'/>), or undefined if it is not one. */
export function nativeBookmark(id: string, payload: Element | undefined): Bookmark | undefined {
  if (!payload?.is('conference', NS.bookmarks)) return undefined;
  return {
    jid: id,
    name: optionalAttr(payload.attrs.name),
    autojoin: isTrue(payload.attrs.autojoin),
    nick: optionalText(payload, 'nick'),
    password: optionalText(payload, 'password'),
  };
}

/** <nick/> and <password/>, the same in both formats. */
function details(bookmark: Bookmark): Element[] {
  return [
    ...(bookmark.nick === undefined ? [] : [xml('nick', {}, bookmark.nick)]),
    ...(bookmark.password === undefined ? [] : [xml('password', {}, bookmark.password)]),
  ];
}

export function nativePayload(bookmark: Bookmark): Element {
  return xml('conference', { xmlns: NS.bookmarks, name: bookmark.name, autojoin: String(bookmark.autojoin) }, ...details(bookmark));
}

/** An XEP-0048 <storage/> of these rooms, keeping what else the previous one held (<url/>s). */
export function legacyStorage(bookmarks: Iterable<Bookmark>, previous: Element | undefined): Element {
  const kept = (previous?.getChildElements() ?? []).filter((child) => child.name !== 'conference');
  return xml('storage', { xmlns: NS.legacyBookmarks }, ...kept,
    ...[...bookmarks].map((bookmark) => xml('conference', { jid: bookmark.jid, name: bookmark.name, autojoin: String(bookmark.autojoin) },
      ...details(bookmark))));
}

export function sameBookmark(a: Bookmark, b: Bookmark): boolean {
  return a.jid === b.jid && a.name === b.name && a.autojoin === b.autojoin && a.nick === b.nick && a.password === b.password;
}
