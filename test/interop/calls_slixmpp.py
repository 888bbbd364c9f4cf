"""slixmpp guests and calls in Palaver, driven by calls-slixmpp.test.ts.

A guest asks its domain for STUN/TURN services (XEP-0215, as a raw iq: slixmpp has no
plugin) before and after joining a room, twice, and reports them; two guests who share a
room call each other with slixmpp's XEP-0353 plugin (propose, proceed); a third guest who
shares no room with them is refused, and its propose sent as an error message never reaches
the callee (a chat message sent after it does). Prints one JSON line; every wait has a timeout.

Usage: calls_slixmpp.py HOST PORT GUEST_DOMAIN ROOM_JID
"""

import asyncio
import sys
import xml.etree.ElementTree as ET

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

EXTDISCO = 'urn:xmpp:extdisco:2'
JMI = 'urn:xmpp:jingle-message:0'
MARKER = 'sent after the error message'
RTP = 'urn:xmpp:jingle:apps:rtp:1'


class Client(SignInClient):
    """A guest with MUC and XEP-0353 that queues the call messages and message errors it receives."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0045')
        self.register_plugin('xep_0353')
        self.calls = asyncio.Queue()
        for kind in ('propose', 'proceed'):
            self.add_event_handler(f'jingle_message_{kind}', lambda message, kind=kind: self.calls.put_nowait((kind, message)))
        self.add_event_handler('message_error', lambda message: self.calls.put_nowait(('error', message)))
        self.add_event_handler('message', self._marker)

    def _marker(self, message):
        if message['body'] == MARKER:
            self.calls.put_nowait(('marker', message))


async def next_call_message(client):
    return await asyncio.wait_for(client.calls.get(), STEP_TIMEOUT)


async def guest(host, port, domain, clients):
    client = await sign_in(Client, domain, '', host, port)
    clients.append(client)
    client.send_presence()
    return client


async def services(client, domain):
    iq = client.Iq()
    iq['type'] = 'get'
    iq['to'] = domain
    iq.append(ET.Element(f'{{{EXTDISCO}}}services'))
    answer = await iq.send(timeout=STEP_TIMEOUT)
    return [dict(service.attrib) for service in answer.xml.find(f'{{{EXTDISCO}}}services')]


async def scenario(result, clients):
    host, port, domain, room = sys.argv[1:5]
    port = int(port)
    alice = await guest(host, port, domain, clients)
    bob = await guest(host, port, domain, clients)
    carol = await guest(host, port, domain, clients)
    result['services_outside_rooms'] = await services(alice, domain)

    muc = alice.plugin['xep_0045']
    presence, *_ = await muc.join_muc_wait(room, 'alice', timeout=STEP_TIMEOUT, maxstanzas=0)
    if '201' in [str(code) for code in presence['muc']['status_codes']]:
        form = await muc.get_room_config(room, timeout=STEP_TIMEOUT)
        await muc.set_room_config(room, form, timeout=STEP_TIMEOUT)
    await bob.plugin['xep_0045'].join_muc_wait(room, 'bob', timeout=STEP_TIMEOUT, maxstanzas=0)
    result['services'] = await services(alice, domain)
    result['services_again'] = await services(alice, domain)

    alice.plugin['xep_0353'].propose(bob.boundjid.bare, 'call-1', [(RTP, 'audio')])
    kind, message = await next_call_message(bob)
    result['bob_received'] = {'kind': kind, 'from': str(message['from']), 'id': message['jingle_propose']['id']}
    bob.plugin['xep_0353'].proceed(message['from'], 'call-1')
    kind, message = await next_call_message(alice)
    result['alice_received'] = {'kind': kind, 'from': str(message['from']), 'id': message['jingle_proceed']['id']}

    carol.plugin['xep_0353'].propose(bob.boundjid.bare, 'call-2', [(RTP, 'video')])
    kind, message = await next_call_message(carol)
    result['carol_received'] = {'kind': kind, 'condition': message['error']['condition'] if kind == 'error' else None}

    # The same propose as an error message to bob's full JID (one to a bare JID is dropped anyway,
    # RFC 6121 §8.5.2.1.1): refused without an answer, so the marker comes first.
    bounced = carol.make_message(mto=bob.boundjid, mtype='error')
    propose = ET.Element(f'{{{JMI}}}propose', {'id': 'call-3'})
    ET.SubElement(propose, f'{{{RTP}}}description', {'media': 'audio'})
    bounced.append(propose)
    bounced['error']['type'] = 'cancel'
    bounced['error']['condition'] = 'undefined-condition'
    bounced.send()
    carol.send_message(mto=bob.boundjid.bare, mbody=MARKER, mtype='chat')
    kind, message = await next_call_message(bob)
    result['bob_after_error_propose'] = {'kind': kind}
    await services(carol, domain)  # a round trip: anything sent to carol before its answer has been read
    result['carol_left_over'] = [[kind, str(message)] for kind, message in list(carol.calls._queue)]
    result['bob_jid'] = str(bob.boundjid)
    result['alice_jid'] = str(alice.boundjid)


if __name__ == '__main__':
    main(scenario)
