"""A channel's welcome text as Gajim's library, nbxmpp, reads it; driven by welcome-nbxmpp.test.ts.

Signs in (STARTTLS, SCRAM), joins the room as Gajim does, and prints one JSON line with every
groupchat message of the join as nbxmpp's own parsers see it (the properties Gajim's message
handling reads), in the order they came, and the nicknames the room sent presence for. A GLib timeout ends the run, so it cannot hang.

Usage: nbxmpp_welcome.py HOST PORT USERNAME DOMAIN PASSWORD ROOM NICK
"""

from nbxmpp_harness import GLibScenario, gajim_client, main  # first: it pins the GLib version
from gi.repository import GLib
from nbxmpp.namespaces import Namespace
from nbxmpp.protocol import JID, Presence
from nbxmpp.structs import StanzaHandler

# After the subject, how long to wait for anything the room still sends as part of the join.
SETTLE_MS = 1500


class GajimJoin(GLibScenario):
    def __init__(self, host, port, username, domain, password, room, nick):
        super().__init__({'messages': [], 'present': []})
        self.room = room
        self.nick = nick
        client = gajim_client(host, int(port), username, domain, password, 'gajim.welcome')
        client.subscribe('connected', self.on_connected)
        client.subscribe('connection-failed', lambda *_: self.finish(f'connection failed: {client.get_error()}'))
        client.subscribe('disconnected', lambda *_: self.finish('disconnected before the end'))
        # Priority 60: after nbxmpp's own parsers (delay, stanza-id, MUC) have filled the properties.
        client.register_handler(StanzaHandler(name='message', callback=self.on_message, typ='groupchat', priority=60))
        client.register_handler(StanzaHandler(name='presence', callback=self.on_presence, priority=60))
        self.client = client
        self.joined = False

    def on_connected(self, *_args):
        presence = Presence(to=f'{self.room}/{self.nick}')
        presence.setTag('x', namespace=Namespace.MUC).setTag('history', attrs={'maxstanzas': '20'})
        self.client.send_stanza(presence)

    def on_presence(self, _client, stanza, _properties):
        if JID.from_string(self.room).bare_match(stanza.getFrom()) and stanza.getType() != 'error':
            self.result['present'].append(stanza.getFrom().resource)

    def on_message(self, _client, stanza, properties):
        if not JID.from_string(self.room).bare_match(stanza.getFrom()):
            return
        self.result['messages'].append({
            'from': str(stanza.getFrom()),
            # Gajim 1.7.3 looks the author up by this (GroupchatContact.get_resource): empty, it throws.
            'resource': stanza.getFrom().resource,
            'body': properties.body,
            'is_muc_subject': properties.is_muc_subject,
            'from_muc': properties.from_muc,
            'muc_jid': str(properties.muc_jid) if properties.muc_jid else None,
            'muc_nickname': properties.muc_nickname,
            # Gajim files a message with a user timestamp (a <delay/>) as history.
            'user_timestamp': properties.user_timestamp,
            'has_server_delay': properties.has_server_delay,
            'timestamp': properties.timestamp,
            'stanza_ids': [{'id': s.id, 'by': str(s.by)} for s in properties.stanza_ids],
            'is_mam_message': properties.is_mam_message,
        })
        if properties.is_muc_subject and not self.joined:
            self.joined = True
            GLib.timeout_add(SETTLE_MS, self.finish)


if __name__ == '__main__':
    main(GajimJoin, 7)
