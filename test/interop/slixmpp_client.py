"""slixmpp against Palaver, driven by slixmpp.test.ts.

Signs in two accounts over TCP with STARTTLS and SCRAM, sends a message from one to the other's
bare JID, fetches the roster, and signs a guest in with SASL ANONYMOUS who messages an account.
Prints one JSON line with what happened; every wait has a timeout so the script cannot hang.

Usage: slixmpp_client.py HOST PORT ALICE_JID ALICE_PASSWORD BOB_JID BOB_PASSWORD GUEST_DOMAIN

(Not named slixmpp.py: the script's directory comes first on sys.path and would shadow the library.)
"""

import asyncio
import json
import logging
import ssl
import sys

from slixmpp import ClientXMPP
from slixmpp.exceptions import IqError, IqTimeout

STEP_TIMEOUT = 15


class Client(ClientXMPP):
    """A client that records its sign-in and queues the chat messages it receives."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        # Palaver's certificate is self-signed in tests; everything else is checked as usual.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.messages = asyncio.Queue()
        self.available = asyncio.get_event_loop().create_future()
        self.signed_in = asyncio.get_event_loop().create_future()
        self.add_event_handler('session_start', self._on_session_start)
        self.add_event_handler('failed_all_auth', lambda _: self._fail('authentication failed'))
        self.add_event_handler('connection_failed', lambda error: self._fail(f'connection failed: {error}'))
        self.add_event_handler('stream_error', lambda error: self._fail(f'stream error: {error}'))
        self.add_event_handler('message', self._on_message)
        self.add_event_handler('presence_available', self._on_available)

    def _on_session_start(self, _event):
        if not self.signed_in.done():
            self.signed_in.set_result(True)

    def _on_available(self, presence):
        # RFC 6121 §4.2.2: the server echoes initial presence to the resource that sent it.
        if presence['from'] == self.boundjid and not self.available.done():
            self.available.set_result(True)

    def _fail(self, reason):
        if not self.signed_in.done():
            self.signed_in.set_exception(RuntimeError(reason))

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


async def sign_in(jid, password, host, port):
    client = Client(jid, password)
    client.connect(address=(host, port))
    await asyncio.wait_for(client.signed_in, STEP_TIMEOUT)
    return client


async def next_message(client):
    return await asyncio.wait_for(client.messages.get(), STEP_TIMEOUT)


async def run(host, port, alice_jid, alice_password, bob_jid, bob_password, guest_domain):
    result = {}
    clients = []
    try:
        bob = await sign_in(bob_jid, bob_password, host, port)
        clients.append(bob)
        result['bob'] = bob.describe()
        alice = await sign_in(alice_jid, alice_password, host, port)
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

        guest = await sign_in(guest_domain, '', host, port)
        clients.append(guest)
        result['guest'] = guest.describe()
        guest.send_message(mto=alice.boundjid, mbody='hello from a guest', mtype='chat')
        result['alice_received'] = await next_message(alice)
    except Exception as error:  # reported to the test, which shows it
        result['error'] = f'{type(error).__name__}: {error}'
    finally:
        closing = [client.disconnect(wait=1) for client in clients]
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), STEP_TIMEOUT)
    return result


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    host, port, alice_jid, alice_password, bob_jid, bob_password, guest_domain = sys.argv[1:8]
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    result = loop.run_until_complete(asyncio.wait_for(
        run(host, int(port), alice_jid, alice_password, bob_jid, bob_password, guest_domain), 60))
    # slixmpp leaves its filter tasks pending after a disconnect; end them before the loop closes.
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()
    print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
