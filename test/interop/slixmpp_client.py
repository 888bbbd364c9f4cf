"""slixmpp against Palaver, driven by slixmpp.test.ts.

Signs in two accounts over TCP with STARTTLS and SCRAM, sends a message from one to the other's
bare JID, fetches the roster, and signs a guest in with SASL ANONYMOUS who messages an account.
Prints one JSON line with what happened; every wait has a timeout so the script cannot hang.

Usage: slixmpp_client.py HOST PORT ALICE_JID ALICE_PASSWORD BOB_JID BOB_PASSWORD GUEST_DOMAIN

(Not named slixmpp.py: the script's directory comes first on sys.path and would shadow the library.)
"""

import asyncio
import sys

from slixmpp.exceptions import IqError, IqTimeout

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in


class Client(SignInClient):
    """A client that queues the chat messages it receives and notices its own presence."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.messages = asyncio.Queue()
        self.available = asyncio.get_event_loop().create_future()
        self.add_event_handler('message', self._on_message)
        self.add_event_handler('presence_available', self._on_available)

    def _on_available(self, presence):
        # RFC 6121 §4.2.2: the server echoes initial presence to the resource that sent it.
        if presence['from'] == self.boundjid and not self.available.done():
            self.available.set_result(True)

    def _on_message(self, message):
        if message['type'] in ('chat', 'normal') and message['body']:
            self.messages.put_nowait({'from': str(message['from']), 'body': message['body']})

    def describe(self):
        mech = self['feature_mechanisms'].mech
        return {
            'jid': str(self.boundjid),
            'starttls': 'starttls' in self.features,
            'mechanism': mech.name.decode() if isinstance(mech.name, bytes) else mech.name,
        }


async def next_message(client):
    return await asyncio.wait_for(client.messages.get(), STEP_TIMEOUT)


async def scenario(result, clients):
    host, port, alice_jid, alice_password, bob_jid, bob_password, guest_domain = sys.argv[1:8]
    port = int(port)
    bob = await sign_in(Client, bob_jid, bob_password, host, port)
    clients.append(bob)
    result['bob'] = bob.describe()
    alice = await sign_in(Client, alice_jid, alice_password, host, port)
    clients.append(alice)
    result['alice'] = alice.describe()

    # Bob goes online, so that a message to his bare JID reaches him.
    bob.send_presence()
    await asyncio.wait_for(bob.available, STEP_TIMEOUT)
    alice.send_message(mto=bob.boundjid.bare, mbody='hello from slixmpp', mtype='chat')
    result['bob_received'] = await next_message(bob)

    try:
        roster = await alice.get_roster(timeout=STEP_TIMEOUT)
        result['roster'] = {'type': roster['type'], 'items': len(roster['roster']['items'])}
    except IqError as error:
        result['roster'] = {'type': 'error', 'condition': error.condition}
    except IqTimeout:
        result['roster'] = {'type': 'timeout'}

    guest = await sign_in(Client, guest_domain, '', host, port)
    clients.append(guest)
    result['guest'] = guest.describe()
    guest.send_message(mto=alice.boundjid, mbody='hello from a guest', mtype='chat')
    result['alice_received'] = await next_message(alice)


if __name__ == '__main__':
    main(scenario)
