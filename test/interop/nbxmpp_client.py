"""Gajim's sign-in sequence with its XMPP library, nbxmpp, against Palaver; driven by nbxmpp.test.ts.

Signs in over TCP with STARTTLS and SCRAM, then does what Gajim does after binding: disco#info
of the server and of the account, disco#items of the server, enables carbons, fetches
bookmarks from private storage, fetches the roster with ver="" and its own vCard (for its
avatar), and sends initial presence with entity caps. Prints one JSON line: the outcome of
each step and any iq left unanswered. A GLib timeout ends the run, so the script cannot hang.

Usage: nbxmpp_client.py HOST PORT USERNAME DOMAIN PASSWORD

(Not named nbxmpp.py: the script's directory comes first on sys.path and would shadow the library.)
"""

from nbxmpp_harness import STEP_TIMEOUT, GLibScenario, gajim_client, main  # first: it pins the GLib version
from gi.repository import GLib
from nbxmpp.modules.bookmarks.util import get_private_request
from nbxmpp.namespaces import Namespace
from nbxmpp.protocol import Iq, Presence
from nbxmpp.structs import DiscoIdentity

CAPS_NODE = 'https://gajim.org'
CAPS_FEATURES = [
    Namespace.DISCO_INFO, Namespace.CAPS, Namespace.CHATSTATES, Namespace.RECEIPTS,
    Namespace.PING, Namespace.MUC, Namespace.CARBONS,
]


class GajimSignIn(GLibScenario):
    def __init__(self, host, port, username, domain, password):
        super().__init__({'steps': {}})
        self.pending = set()
        self.domain = domain
        self.steps = [
            ('server_info', lambda: Iq('get', Namespace.DISCO_INFO, to=self.domain)),
            ('server_items', lambda: Iq('get', Namespace.DISCO_ITEMS, to=self.domain)),
            ('account_info', lambda: Iq('get', Namespace.DISCO_INFO, to=self.bare_jid())),
            ('carbons', self.carbons_request),
            ('bookmarks', get_private_request),
            ('roster', self.roster_request),
            ('own_vcard', self.vcard_request),
        ]
        client = gajim_client(host, int(port), username, domain, password, 'gajim.interop')
        client.subscribe('connected', self.on_connected)
        client.subscribe('connection-failed', lambda *_: self.finish(f'connection failed: {client.get_error()}'))
        client.subscribe('disconnected', self.on_disconnected)
        self.client = client

    def bare_jid(self):
        return str(self.client.get_bound_jid().bare)

    def before_finish(self):
        self.result['unanswered'] = sorted(self.pending)

    def on_disconnected(self, *_args):
        if 'presence' not in self.result['steps']:
            self.finish(f'disconnected during sign-in: {self.client.get_error()}')
        else:
            self.finish()

    def on_connected(self, *_args):
        client = self.client
        features = client.features
        sasl = getattr(client, '_sasl', None)
        mechanism = getattr(getattr(sasl, '_mechanism', None), 'name', None)
        self.result['signed_in'] = {
            'jid': str(client.get_bound_jid()),
            'secure': client.is_stream_secure,
            'connection': str(client.current_connection_type),
            'mechanism': mechanism,
            'csi_offered': features.getTag('csi', namespace='urn:xmpp:csi:0') is not None,
        }
        self.next_step()

    def next_step(self):
        if not self.steps:
            self.send_presence()
            return
        name, build = self.steps.pop(0)
        self.send_iq(name, build(), self.record_and_continue)

    def send_iq(self, name, iq, then):
        self.pending.add(name)

        def on_response(_client, stanza, **_kwargs):
            self.pending.discard(name)
            then(name, stanza)

        self.client.send_stanza(iq, callback=on_response, timeout=STEP_TIMEOUT)

    def record_and_continue(self, name, stanza):
        self.result['steps'][name] = describe_response(name, stanza)
        self.next_step()

    def carbons_request(self):
        iq = Iq('set')
        iq.setTag('enable', namespace=Namespace.CARBONS)
        return iq

    def roster_request(self):
        iq = Iq('get', Namespace.ROSTER)
        iq.setTagAttr('query', 'ver', '')
        return iq

    def vcard_request(self):
        # Gajim fetches its own vCard for its avatar after signing in.
        iq = Iq('get')
        iq.setTag('vCard', namespace=Namespace.VCARD)
        return iq

    def send_presence(self):
        caps = self.client.get_module('EntityCaps')
        caps.set_caps([DiscoIdentity(category='client', type='pc', name='Gajim')], CAPS_FEATURES, CAPS_NODE)
        presence = Presence()
        presence.setTag('c', namespace=Namespace.CAPS, attrs={'hash': 'sha-1', 'node': CAPS_NODE, 'ver': caps.caps.ver})
        self.client.send_stanza(presence)
        self.result['steps']['presence'] = {'type': 'sent'}
        # A ping after the presence: its answer shows the stream survived and everything before was processed.
        ping = Iq('get', to=self.domain)
        ping.setTag('ping', namespace=Namespace.PING)
        self.send_iq('ping_after_presence', ping, self.on_final_ping)

    def on_final_ping(self, name, stanza):
        self.result['steps'][name] = describe_response(name, stanza)
        self.client.disconnect()
        GLib.timeout_add_seconds(5, lambda: self.finish('the stream did not close'))


def describe_response(name, stanza):
    if stanza is None:
        return {'type': 'timeout'}
    outcome = {'type': stanza.getType()}
    if stanza.getType() == 'error':
        outcome['condition'] = stanza.getError()
        return outcome
    if name in ('server_info', 'account_info'):
        query = stanza.getTag('query', namespace=Namespace.DISCO_INFO)
        outcome['identities'] = [f"{tag.getAttr('category')}/{tag.getAttr('type')}" for tag in query.getTags('identity')]
        outcome['features'] = [tag.getAttr('var') for tag in query.getTags('feature')]
    elif name == 'server_items':
        query = stanza.getTag('query', namespace=Namespace.DISCO_ITEMS)
        outcome['items'] = [tag.getAttr('jid') for tag in query.getTags('item')]
    elif name == 'bookmarks':
        query = stanza.getTag('query', namespace=Namespace.PRIVATE)
        outcome['storage'] = query is not None and query.getTag('storage', namespace=Namespace.BOOKMARKS) is not None
    elif name == 'roster':
        query = stanza.getTag('query', namespace=Namespace.ROSTER)
        outcome['ver'] = query.getAttr('ver') if query is not None else None
    return outcome


if __name__ == '__main__':
    main(GajimSignIn, 5)
