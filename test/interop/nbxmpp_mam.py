"""Gajim's room catch-up with its XMPP library, nbxmpp, against Palaver; driven by mam-nbxmpp.test.ts.

Signs in (STARTTLS, SCRAM), asks the room's disco#info, joins without history (maxchars=0, as
Gajim does when the room archives), says something, and then reads the room's archive the
way Gajim does: nbxmpp's MAM module, a first page, then the next page with `after`. Prints
one JSON line: the live message's stanza-ids, every archived message as nbxmpp parsed it, and
each query's <fin/>. A GLib timeout ends the run, so the script cannot hang.

Usage: nbxmpp_mam.py HOST PORT USERNAME DOMAIN PASSWORD ROOM NICK
"""

from nbxmpp_harness import STEP_TIMEOUT, GLibScenario, gajim_client, main  # first: it pins the GLib version
from gi.repository import GLib
from nbxmpp.namespaces import Namespace
from nbxmpp.protocol import Iq, JID, Message, Presence
from nbxmpp.structs import StanzaHandler

LIVE_BODY = 'hello from gajim'
FIRST_PAGE = 2


class GajimCatchUp(GLibScenario):
    def __init__(self, host, port, username, domain, password, room, nick):
        super().__init__({'archived': [], 'queries': []})
        self.room = room
        self.nick = nick
        client = gajim_client(host, int(port), username, domain, password, 'gajim.mam')
        client.subscribe('connected', self.on_connected)
        client.subscribe('connection-failed', lambda *_: self.finish(f'connection failed: {client.get_error()}'))
        client.subscribe('disconnected', lambda *_: self.finish('disconnected before the end'))
        client.register_handler(StanzaHandler(name='presence', callback=self.on_presence))
        client.register_handler(StanzaHandler(name='message', callback=self.on_message))
        self.client = client
        self.joined = False
        self.sent_live = False

    def on_connected(self, *_args):
        iq = Iq('get', Namespace.DISCO_INFO, to=self.room)
        self.client.send_stanza(iq, callback=self.on_room_info, timeout=STEP_TIMEOUT)

    def on_room_info(self, _client, stanza, **_kwargs):
        if stanza is None or stanza.getType() != 'result':
            return self.finish(f'room disco#info failed: {stanza}')
        query = stanza.getTag('query', namespace=Namespace.DISCO_INFO)
        self.result['room_features'] = [tag.getAttr('var') for tag in query.getTags('feature')]
        # Gajim asks for no history on join when the room has an archive: MAM fills the gap.
        presence = Presence(to=f'{self.room}/{self.nick}')
        muc = presence.setTag('x', namespace=Namespace.MUC)
        muc.setTag('history', attrs={'maxchars': '0'})
        self.client.send_stanza(presence)
        return None

    def on_presence(self, _client, stanza, _properties):
        if self.joined or not JID.from_string(self.room).bare_match(stanza.getFrom()):
            return
        muc_user = stanza.getTag('x', namespace=Namespace.MUC_USER)
        codes = [status.getAttr('code') for status in muc_user.getTags('status')] if muc_user else []
        if stanza.getType() == 'error':
            self.finish(f'join failed: {stanza}')
        elif '110' in codes:
            self.joined = True
            self.result['joined'] = str(stanza.getFrom())
            self.client.send_stanza(Message(to=self.room, typ='groupchat', body=LIVE_BODY))
            self.sent_live = True

    def on_message(self, _client, stanza, properties):
        if properties.mam is not None:
            self.result['archived'].append({
                'mam_id': properties.mam.id,
                'query_id': properties.mam.query_id,
                'archive': str(properties.mam.archive),
                # nbxmpp gives the <delay/> stamp as seconds since the epoch.
                'timestamp': properties.mam.timestamp,
                'from': str(stanza.getFrom()),
                'type': stanza.getType(),
                'body': stanza.getBody(),
                'stanza_ids': [{'id': s.id, 'by': s.by} for s in properties.stanza_ids],
            })
            return
        if self.sent_live and 'live' not in self.result and stanza.getType() == 'groupchat' \
                and stanza.getBody() == LIVE_BODY:
            self.result['live'] = {
                'from': str(stanza.getFrom()),
                'stanza_ids': [{'id': s.id, 'by': s.by} for s in properties.stanza_ids],
            }
            self.query('gajim-page-1', after=None, max_=FIRST_PAGE)

    def query(self, query_id, after, max_):
        mam = self.client.get_module('MAM')
        mam.make_query(self.room, queryid=query_id, after=after, max_=max_,
                       timeout=STEP_TIMEOUT, callback=self.on_query_done, user_data=query_id)

    def on_query_done(self, task):
        query_id = task.get_user_data()
        try:
            data = task.finish()
        except Exception as error:  # noqa: BLE001 - reported to the test, not swallowed
            return self.finish(f'MAM query {query_id} failed: {error!r}')
        rsm = data.rsm
        self.result['queries'].append({
            'query_id': query_id,
            'jid': str(data.jid),
            'complete': data.complete,
            # (nbxmpp 4.2's parse_rsm never reads <first index=…/>, so first_index is not reported.)
            'first': rsm.first, 'last': rsm.last, 'count': rsm.count,
        })
        if query_id == 'gajim-page-1':
            self.query('gajim-page-2', after=rsm.last, max_=50)
        else:
            self.client.send_stanza(Presence(to=f'{self.room}/{self.nick}', typ='unavailable'))
            GLib.timeout_add(200, self.finish)
        return None


if __name__ == '__main__':
    main(GajimCatchUp, 7)
