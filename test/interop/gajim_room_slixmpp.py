"""The other occupant of the room Gajim auto-joins; driven by gajim.test.ts.

Joins ROOM_JID as NICK (configuring it as an instant room if it creates it), prints {"ready": true}
so that the test starts Gajim, then waits up to WAIT seconds for the presence of the occupant
GAJIM_NICK. It then says MESSAGE in the room and prints the result: what that presence showed
(role, the client's entity capabilities node) or the error.

Usage: gajim_room_slixmpp.py HOST PORT JID PASSWORD ROOM_JID NICK GAJIM_NICK WAIT MESSAGE
"""

import asyncio
import json
import sys

from slixmpp_harness import SignInClient, STEP_TIMEOUT, main, sign_in

CAPS = '{http://jabber.org/protocol/caps}c'


class Occupant(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0045')
        self.arrivals = asyncio.Queue()
        self.add_event_handler('groupchat_presence', lambda presence: self.arrivals.put_nowait(presence))


async def scenario(result, clients):
    host, port, jid, password, room, nick, gajim_nick, wait, message = sys.argv[1:10]
    client = await sign_in(Occupant, jid, password, host, int(port))
    clients.append(client)
    muc = client.plugin['xep_0045']
    presence, _subject, _occupants, _history = await muc.join_muc_wait(room, nick, timeout=STEP_TIMEOUT, maxstanzas=0)
    if 201 in {int(code) for code in presence['muc']['status_codes']}:
        await muc.set_room_config(room, await muc.get_room_config(room, timeout=STEP_TIMEOUT), timeout=STEP_TIMEOUT)
    print(json.dumps({'ready': True}), flush=True)

    arrival = await asyncio.wait_for(gajim_presence(client, gajim_nick), float(wait))
    caps = arrival.xml.find(CAPS)
    result['gajim'] = {
        'from': str(arrival['from']),
        'role': arrival['muc']['role'],
        'caps_node': caps.get('node') if caps is not None else None,
    }
    client.send_message(mto=room, mbody=message, mtype='groupchat')
    # The room's echo says the message went out to every occupant, Gajim included.
    result['echoed'] = await asyncio.wait_for(echo(client, room, nick, message), STEP_TIMEOUT)


async def gajim_presence(client, gajim_nick):
    while True:
        presence = await client.arrivals.get()
        if presence['from'].resource == gajim_nick and presence['type'] != 'unavailable':
            return presence


async def echo(client, room, nick, body):
    received = asyncio.get_event_loop().create_future()

    def on_message(message):
        if str(message['from']) == f'{room}/{nick}' and message['body'] == body and not received.done():
            received.set_result(True)

    client.add_event_handler('groupchat_message', on_message)
    try:
        return await received
    finally:
        client.del_event_handler('groupchat_message', on_message)


if __name__ == '__main__':
    main(scenario)
