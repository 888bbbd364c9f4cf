"""slixmpp uses Palaver's blocking command (XEP-0191), driven by blocking-slixmpp.test.ts.

Alice signs in twice (one, two) and Bob once. Two fetches the block list, one blocks Bob:
two gets the push; then messages, iqs and directed presence between Alice and Bob are
refused or dropped in both directions; one unblocks Bob (two gets that push too) and a
message goes through again. Prints one JSON line; every wait has a timeout.

Usage: blocking_slixmpp.py HOST PORT ALICE_JID ALICE_PASSWORD BOB_JID BOB_PASSWORD
"""

import asyncio
import sys

from slixmpp.exceptions import IqError

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

QUIET = 1.5


class Client(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0191', 'xep_0199'):
            self.register_plugin(plugin)
        self.inbox = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.pushes = asyncio.Queue()
        self.add_event_handler('message', self.inbox.put_nowait)
        self.add_event_handler('presence_available', self.presences.put_nowait)
        self.add_event_handler('blocked', lambda iq: self.pushes.put_nowait(['block', items(iq, 'block')]))
        self.add_event_handler('unblocked', lambda iq: self.pushes.put_nowait(['unblock', items(iq, 'unblock')]))


def items(iq, name):
    element = iq.xml.find(f'{{urn:xmpp:blocking}}{name}')
    return sorted(item.get('jid') for item in element) if element is not None else []


def describe_error(stanza):
    error = stanza.xml.find('{jabber:client}error')
    if error is None:
        return None
    return sorted(child.tag.split('}')[1] for child in error if not child.tag.endswith('}text'))


async def next_or_none(queue, timeout=QUIET):
    try:
        return await asyncio.wait_for(queue.get(), timeout)
    except asyncio.TimeoutError:
        return None


async def message_exchange(sender, recipient, body):
    """What the sender gets back (an error) and what the recipient gets, for one chat message."""
    sender.send_message(mto=recipient.boundjid, mbody=body, mtype='chat')
    got = await next_or_none(recipient.inbox)
    back = await next_or_none(sender.inbox, 0.5)
    return {
        'received': got['body'] if got is not None and got['type'] != 'error' else None,
        'sender_error': describe_error(back) if back is not None and back['type'] == 'error' else None,
    }


async def ping_error(client, to):
    try:
        await client['xep_0199'].send_ping(to, timeout=STEP_TIMEOUT)
        return None
    except IqError as error:
        return describe_error(error.iq)


async def blocklist(client):
    iq = await client['xep_0191'].get_blocked(timeout=STEP_TIMEOUT)
    return sorted(str(jid) for jid in iq['blocklist']['items'])


async def presence_exchange(sender, recipient):
    sender.send_presence(pto=recipient.boundjid, pstatus='directed')
    got = await next_or_none(recipient.presences)
    return got is not None and got['status'] == 'directed'


async def scenario(result, clients, host, port, alice, alice_password, bob, bob_password):
    one = await sign_in(Client, f'{alice}/one', alice_password, host, port)
    clients.append(one)
    two = await sign_in(Client, f'{alice}/two', alice_password, host, port)
    clients.append(two)
    other = await sign_in(Client, f'{bob}/desk', bob_password, host, port)
    clients.append(other)
    for client in clients:
        client.send_presence()
    await asyncio.sleep(0.5)
    for client in clients:
        while not client.presences.empty():
            client.presences.get_nowait()

    info = await one['xep_0030'].get_info(jid=one.boundjid.server, timeout=STEP_TIMEOUT)
    result['feature'] = 'urn:xmpp:blocking' in info['disco_info']['features']
    result['before'] = await message_exchange(other, one, 'before the block')
    result['list_empty'] = await blocklist(two)
    result['presence_before'] = await presence_exchange(other, one)

    await one['xep_0191'].block([bob], timeout=STEP_TIMEOUT)
    result['push_block'] = await next_or_none(two.pushes, STEP_TIMEOUT)
    result['list_blocked'] = await blocklist(one)

    result['message_in'] = await message_exchange(other, one, 'blocked message in')
    result['message_out'] = await message_exchange(one, other, 'blocked message out')
    result['iq_in'] = await ping_error(other, one.boundjid)
    result['iq_out'] = await ping_error(one, other.boundjid)
    result['presence_in'] = await presence_exchange(other, one)
    result['presence_out'] = await presence_exchange(one, other)

    await one['xep_0191'].unblock([bob], timeout=STEP_TIMEOUT)
    result['push_unblock'] = await next_or_none(two.pushes, STEP_TIMEOUT)
    result['list_after'] = await blocklist(two)
    result['after'] = await message_exchange(other, one, 'after the unblock')
    result['iq_after'] = await ping_error(one, other.boundjid)


if __name__ == '__main__':
    HOST, PORT, ALICE, ALICE_PASSWORD, BOB, BOB_PASSWORD = sys.argv[1:7]
    main(lambda result, clients: scenario(result, clients, HOST, int(PORT), ALICE, ALICE_PASSWORD, BOB, BOB_PASSWORD))
