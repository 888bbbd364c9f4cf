"""Gajim's bookmarks with its XMPP library, nbxmpp, against Palaver; driven by bookmarks-nbxmpp.test.ts.

Two Gajim resources of one account. The second announces urn:xmpp:bookmarks:1+notify in its
entity capabilities as Gajim does (nbxmpp's EntityCaps module). The first checks the account's
disco#info as Gajim does, stores a bookmark the way Gajim does (XEP-0402, NativeBookmarks with
Gajim's publish-options), reads the list back through private XML storage (XEP-0049, what
XEP-0411 keeps in step), stores a second list through private XML, and reads it back as XEP-0402
items. The second resource reports the bookmark events it got. A GLib timeout ends the run.

Usage: nbxmpp_bookmarks.py HOST PORT USERNAME DOMAIN PASSWORD
"""

from nbxmpp_harness import gajim_client, main, RUN_TIMEOUT  # first: it pins the GLib version
from gi.repository import GLib
from nbxmpp.namespaces import Namespace
from nbxmpp.protocol import JID, Presence
from nbxmpp.structs import BookmarkData, DiscoIdentity, StanzaHandler

GAJIM_ROOM = 'gajim@conference.localhost'
LEGACY_ROOM = 'legacy@conference.localhost'
CAPS_URI = 'https://gajim.org'


def describe(bookmark):
    return {'jid': str(bookmark.jid), 'name': bookmark.name, 'nick': bookmark.nick, 'autojoin': bookmark.autojoin}


class GajimBookmarks:
    def __init__(self, host, port, username, domain, password):
        self.result = {'events': []}
        self.loop = GLib.MainLoop()
        self.writer = self.make_client(host, port, username, domain, password, 'gajim.writer', notify=False)
        self.listener = self.make_client(host, port, username, domain, password, 'gajim.listener', notify=True)
        self.listener.register_handler(StanzaHandler(name='message', callback=self.on_message,
                                                     ns=Namespace.PUBSUB_EVENT, priority=17))
        self.connected = 0

    def make_client(self, host, port, username, domain, password, resource, notify):
        client = gajim_client(host, int(port), username, domain, password, resource)
        features = [Namespace.DISCO_INFO, Namespace.BOOKMARKS_1]
        if notify:
            features.append(f'{Namespace.BOOKMARKS_1}+notify')
        client.get_module('EntityCaps').set_caps([DiscoIdentity(category='client', type='pc', name='Gajim')], features, CAPS_URI)
        client.subscribe('connected', lambda *_: self.on_connected(client))
        client.subscribe('connection-failed', lambda *_: self.finish(f'connection failed: {client.get_error()}'))
        return client

    def run(self):
        GLib.timeout_add_seconds(RUN_TIMEOUT, lambda: self.finish('the run timed out'))
        self.listener.connect()
        self.writer.connect()
        self.loop.run()
        return self.result

    def finish(self, error=None):
        if error and 'error' not in self.result:
            self.result['error'] = error
        if self.loop.is_running():
            self.loop.quit()
        return False

    def on_connected(self, client):
        caps = client.get_module('EntityCaps').caps
        presence = Presence()
        presence.setTag('c', namespace=Namespace.CAPS, attrs={'hash': caps.hash, 'node': caps.node, 'ver': caps.ver})
        client.send_stanza(presence)
        self.connected += 1
        if self.connected == 2:
            # The server asks the listener's client version for its features once; let that be answered.
            GLib.timeout_add(1000, self.check_account)

    def on_message(self, _client, _stanza, properties):
        event = properties.pubsub_event
        if event is None or event.node != Namespace.BOOKMARKS_1 or event.data is None:
            return
        self.result['events'].append({'from': str(properties.jid), **describe(event.data)})

    def check_account(self):
        own = self.writer.get_bound_jid().new_as_bare()
        self.writer.get_module('Discovery').disco_info(own, callback=self.on_account_info)
        return False

    def on_account_info(self, task):
        try:
            info = task.finish()
        except Exception as error:  # noqa: BLE001 - reported to the test
            return self.finish(f'account disco#info failed: {error!r}')
        self.result['account'] = {
            'pep': any(i.category == 'pubsub' and i.type == 'pep' for i in info.identities),
            'publish_options': Namespace.PUBSUB_PUBLISH_OPTIONS in info.features,
            'bookmarks_compat': f'{Namespace.BOOKMARKS_1}#compat' in info.features,
        }
        bookmark = BookmarkData(jid=JID.from_string(GAJIM_ROOM), name='Gajim room', nick='juliet', autojoin=True)
        self.writer.get_module('NativeBookmarks').store_bookmarks([bookmark])
        # store_bookmarks sends the publish without waiting for it; read back once it is in.
        GLib.timeout_add(500, self.read_private)
        return None

    def read_private(self):
        self.writer.get_module('PrivateBookmarks').request_bookmarks(callback=self.on_private_bookmarks)
        return False

    def on_private_bookmarks(self, task):
        try:
            bookmarks = task.finish()
        except Exception as error:  # noqa: BLE001
            return self.finish(f'private bookmarks request failed: {error!r}')
        self.result['private_after_native'] = [describe(b) for b in bookmarks]
        legacy = BookmarkData(jid=JID.from_string(LEGACY_ROOM), name='Legacy room', nick='jules', autojoin=False)
        self.writer.get_module('PrivateBookmarks').store_bookmarks([*bookmarks, legacy], callback=self.on_private_stored)
        return None

    def on_private_stored(self, task):
        try:
            task.finish()
        except Exception as error:  # noqa: BLE001
            return self.finish(f'private bookmarks store failed: {error!r}')
        self.writer.get_module('NativeBookmarks').request_bookmarks(callback=self.on_native_bookmarks)
        return None

    def on_native_bookmarks(self, task):
        try:
            bookmarks = task.finish()
        except Exception as error:  # noqa: BLE001
            return self.finish(f'native bookmarks request failed: {error!r}')
        self.result['native_after_private'] = sorted((describe(b) for b in bookmarks), key=lambda b: b['jid'])
        GLib.timeout_add(500, self.finish)
        return None


if __name__ == '__main__':
    main(GajimBookmarks, 5)
