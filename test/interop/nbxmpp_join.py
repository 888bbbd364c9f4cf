"""One room join as Gajim's library, nbxmpp, makes it; driven by account-names-nbxmpp.test.ts.

Signs in (STARTTLS, SCRAM), joins ROOM as NICK, and prints one JSON line: the nickname the
room gave (self-presence, status 110), or the refusal as nbxmpp parses it (condition and the
text Gajim shows). A GLib timeout ends the run, so it cannot hang.

Usage: nbxmpp_join.py HOST PORT USERNAME DOMAIN PASSWORD ROOM NICK
"""

from nbxmpp_harness import GLibScenario, gajim_client, main  # first: it pins the GLib version
from nbxmpp.namespaces import Namespace
from nbxmpp.protocol import JID, Presence
from nbxmpp.structs import StanzaHandler


class GajimJoin(GLibScenario):
    def __init__(self, host, port, username, domain, password, room, nick):
        super().__init__({})
        self.room = room
        self.nick = nick
        client = gajim_client(host, int(port), username, domain, password, 'gajim.join')
        client.subscribe('connected', self.on_connected)
        client.subscribe('connection-failed', lambda *_: self.finish(f'connection failed: {client.get_error()}'))
        client.subscribe('disconnected', lambda *_: self.finish('disconnected before the end'))
        # Priority 60: after nbxmpp's own parsers (MUC user data, errors) have filled the properties.
        client.register_handler(StanzaHandler(name='presence', callback=self.on_presence, priority=60))
        self.client = client

    def on_connected(self, *_args):
        presence = Presence(to=f'{self.room}/{self.nick}')
        presence.setTag('x', namespace=Namespace.MUC).setTag('history', attrs={'maxstanzas': '0'})
        self.client.send_stanza(presence)

    def on_presence(self, _client, stanza, properties):
        if not JID.from_string(self.room).bare_match(stanza.getFrom()):
            return
        if properties.type.is_error:
            error = properties.error
            self.result['refused'] = {'condition': error.condition, 'text': error.get_text()}
            self.finish()
        elif properties.is_muc_self_presence:
            self.result['nick'] = properties.muc_nickname
            self.finish()


if __name__ == '__main__':
    main(GajimJoin, 7)
