"""Stores one XEP-0402 bookmark with autojoin the way Gajim does (nbxmpp's NativeBookmarks with
Gajim's publish-options), before Gajim itself starts; driven by gajim.test.ts. Reads the list
back so that the test knows the bookmark is in.

Usage: gajim_bookmark_nbxmpp.py HOST PORT USERNAME DOMAIN PASSWORD ROOM_JID NICK
"""

import sys

from nbxmpp_harness import GLibScenario, gajim_client, main  # first: it pins the GLib version
from gi.repository import GLib
from nbxmpp.protocol import JID
from nbxmpp.structs import BookmarkData


class StoreBookmark(GLibScenario):
    def __init__(self, host, port, username, domain, password, room, nick):
        super().__init__({})
        self.bookmark = BookmarkData(jid=JID.from_string(room), name='Gajim test room', nick=nick, autojoin=True)
        self.client = gajim_client(host, int(port), username, domain, password, 'bookmark-writer')
        self.client.subscribe('connected', lambda *_: self.store())
        self.client.subscribe('connection-failed', lambda *_: self.finish(f'connection failed: {self.client.get_error()}'))

    def store(self):
        self.client.get_module('NativeBookmarks').store_bookmarks([self.bookmark])
        # store_bookmarks does not report the publish's result; read back once it is in.
        GLib.timeout_add(500, self.read_back)

    def read_back(self):
        self.client.get_module('NativeBookmarks').request_bookmarks(callback=self.on_bookmarks)
        return False

    def on_bookmarks(self, task):
        try:
            bookmarks = task.finish()
        except Exception as error:  # noqa: BLE001 - reported to the test
            return self.finish(f'bookmarks request failed: {error!r}')
        self.result['stored'] = [{'jid': str(b.jid), 'nick': b.nick, 'autojoin': b.autojoin} for b in bookmarks]
        self.client.disconnect()
        return self.finish()


if __name__ == '__main__':
    main(StoreBookmark, 7)
