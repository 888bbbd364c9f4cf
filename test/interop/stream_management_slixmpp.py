"""slixmpp's XEP-0198 plugin against Palaver, driven by stream-management-slixmpp.test.ts.

Alice (with stream management) and Bob sign in; Alice's messages are acknowledged; then
Alice's TCP connection is cut without a goodbye, Bob writes to her meanwhile, and Alice
connects again and resumes: the message arrives on the resumed stream, to the same resource.
Prints one JSON line; every wait has a timeout.

Usage: stream_management_slixmpp.py HOST PORT ALICE_JID ALICE_PASSWORD BOB_JID BOB_PASSWORD
"""

import asyncio
import sys

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in


class Client(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.messages = asyncio.Queue()
        self.acked = asyncio.Queue()
        self.add_event_handler('message', self._on_message)

    def _on_message(self, message):
        if message['type'] in ('chat', 'normal') and message['body']:
            self.messages.put_nowait({'from': str(message['from']), 'body': message['body']})


class ManagedClient(Client):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0198')
        loop = asyncio.get_event_loop()
        self.enabled = loop.create_future()
        self.resumed = loop.create_future()
        self.lost = loop.create_future()
        self.add_event_handler('sm_enabled', lambda _: self.enabled.done() or self.enabled.set_result(True))
        self.add_event_handler('session_resumed', lambda _: self.resumed.done() or self.resumed.set_result(True))
        self.add_event_handler('sm_failed', lambda stanza: self.resumed.done() or self.resumed.set_exception(RuntimeError(f'resumption failed: {stanza}')))
        self.add_event_handler('disconnected', lambda _: self.lost.done() or self.lost.set_result(True))
        self.add_event_handler('stanza_acked', lambda stanza: self.acked.put_nowait(stanza['body']))


async def scenario(result, clients):
    host, port, alice_jid, alice_password, bob_jid, bob_password = sys.argv[1:7]
    port = int(port)
    alice = await sign_in(ManagedClient, alice_jid, alice_password, host, port)
    clients.append(alice)
    await asyncio.wait_for(alice.enabled, STEP_TIMEOUT)
    sm = alice['xep_0198']
    result['enabled'] = {'resumable': bool(sm.sm_id), 'id_length': len(sm.sm_id or '')}
    bob = await sign_in(Client, bob_jid, bob_password, host, port)
    clients.append(bob)
    alice.send_presence()
    bob.send_presence()

    alice.send_message(mto=bob_jid, mbody='acked one', mtype='chat')
    alice.send_message(mto=bob_jid, mbody='acked two', mtype='chat')
    # request_ack() writes at once, the stanzas go through slixmpp's send queue: let them go first.
    await asyncio.sleep(0.3)
    sm.request_ack()
    acked = []
    while len(acked) < 2:
        body = await asyncio.wait_for(alice.acked.get(), STEP_TIMEOUT)
        if body:
            acked.append(body)
    result['acked'] = acked
    result['bob_received'] = [(await asyncio.wait_for(bob.messages.get(), STEP_TIMEOUT))['body'] for _ in range(2)]

    # The network goes away: no </stream:stream>, the socket just closes.
    alice.transport.abort()
    await asyncio.wait_for(alice.lost, STEP_TIMEOUT)
    await asyncio.sleep(0.2)
    bob.send_message(mto=alice_jid, mbody='while you were offline', mtype='chat')
    await asyncio.sleep(0.3)

    alice.connect(address=(host, port))
    await asyncio.wait_for(alice.resumed, STEP_TIMEOUT)
    message = await asyncio.wait_for(alice.messages.get(), STEP_TIMEOUT)
    result['alice_received'] = message
    result['alice_jid_after'] = str(alice.boundjid)


if __name__ == '__main__':
    main(scenario)
