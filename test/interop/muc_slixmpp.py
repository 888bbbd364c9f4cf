"""slixmpp in Palaver's rooms, driven by muc-slixmpp.test.ts.

An account holder creates a room (accepting the configuration form the room offers, as a
reserved room, XEP-0045 §10.1.3, so that it opens to others) and talks in it; a guest joins and gets the history (with
delays from the room and the live messages' stanza-ids), then talks back; a second guest
asks for no history (maxchars=0). Prints one JSON line; every wait has a timeout.

Usage: muc_slixmpp.py HOST PORT ACCOUNT_JID ACCOUNT_PASSWORD GUEST_DOMAIN ROOM_JID
"""

import asyncio
import sys

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

SID = '{urn:xmpp:sid:0}stanza-id'
DELAY = '{urn:xmpp:delay}delay'


class Client(SignInClient):
    """A client with MUC support that queues the groupchat messages it receives."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0045')
        self.groupchat = asyncio.Queue()
        self.add_event_handler('groupchat_message', self._on_groupchat)

    def _on_groupchat(self, message):
        if message['body'] and message.xml.find(DELAY) is None:
            self.groupchat.put_nowait(describe(message))


def describe(message):
    sid = message.xml.find(SID)
    delay = message.xml.find(DELAY)
    return {
        'from': str(message['from']),
        'body': message['body'],
        'stanza_id': sid.get('id') if sid is not None else None,
        'stanza_id_by': sid.get('by') if sid is not None else None,
        'delay_from': delay.get('from') if delay is not None else None,
    }


async def join(client, room, nick, **history):
    presence, _subject, occupants, messages = await client.plugin['xep_0045'].join_muc_wait(
        room, nick, timeout=STEP_TIMEOUT, **history)
    codes = sorted(int(code) for code in presence['muc']['status_codes'])
    return {
        'codes': codes,
        'role': presence['muc']['role'],
        'affiliation': presence['muc']['affiliation'],
        'history': [describe(message) for message in messages],
        'occupants': sorted(str(occupant['from']) for occupant in occupants),
    }


async def next_groupchat(client):
    return await asyncio.wait_for(client.groupchat.get(), STEP_TIMEOUT)


async def scenario(result, clients):
    host, port, account_jid, account_password, guest_domain, room = sys.argv[1:7]
    port = int(port)
    owner = await sign_in(Client, account_jid, account_password, host, port)
    clients.append(owner)
    result['owner_join'] = await join(owner, room, 'Owner')
    if 201 in result['owner_join']['codes']:
        muc = owner.plugin['xep_0045']
        form = await muc.get_room_config(room, timeout=STEP_TIMEOUT)
        await muc.set_room_config(room, form, timeout=STEP_TIMEOUT)
    owner.send_message(mto=room, mbody='first message', mtype='groupchat')
    first = await next_groupchat(owner)
    owner.send_message(mto=room, mbody='second message', mtype='groupchat')
    second = await next_groupchat(owner)
    result['owner_echoes'] = [first, second]

    guest = await sign_in(Client, guest_domain, '', host, port)
    clients.append(guest)
    result['guest_join'] = await join(guest, room, 'Guest', maxstanzas=10)
    guest.send_message(mto=room, mbody='hello from a slixmpp guest', mtype='groupchat')
    result['owner_received'] = await next_groupchat(owner)

    quiet = await sign_in(Client, guest_domain, '', host, port)
    clients.append(quiet)
    result['quiet_join'] = await join(quiet, room, 'Quiet', maxchars=0)


if __name__ == '__main__':
    main(scenario)
