"""slixmpp sends a file through Palaver's SOCKS5 bytestreams proxy (XEP-0065, mediated),
driven by proxy65-slixmpp.test.ts.

The initiator discovers the proxy from the server's disco items, offers it as streamhost to
the target, which connects; the initiator connects and activates; the bytes go through the
proxy. Prints one JSON line with digests and sizes; every wait has a timeout.

Usage: proxy65_slixmpp.py HOST PORT SENDER_JID SENDER_PASSWORD TARGET_JID TARGET_PASSWORD SIZE
"""

import asyncio
import hashlib
import os
import sys

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

CHUNK = 16 * 1024


class Client(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0030')
        self.register_plugin('xep_0065', pconfig={'auto_accept': True})
        self.received = bytearray()
        self.got_all = asyncio.get_event_loop().create_future()
        self.expected = None
        self.add_event_handler('socks5_data', self._on_data)

    def _on_data(self, data):
        self.received.extend(data)
        if self.expected is not None and len(self.received) >= self.expected and not self.got_all.done():
            self.got_all.set_result(True)


async def scenario(result, clients, host, port, sender_jid, sender_password, target_jid, target_password, size):
    sender = await sign_in(Client, f'{sender_jid}/files', sender_password, host, port)
    clients.append(sender)
    target = await sign_in(Client, f'{target_jid}/files', target_password, host, port)
    clients.append(target)
    target.expected = size

    proxies = await sender['xep_0065'].discover_proxies(timeout=STEP_TIMEOUT)
    result['proxies'] = {str(jid): [str(h), int(p)] for jid, (h, p) in proxies.items()}

    payload = os.urandom(size)
    sock = await asyncio.wait_for(sender['xep_0065'].handshake(target.boundjid, timeout=STEP_TIMEOUT), STEP_TIMEOUT)
    result['handshake'] = sock is not None
    for start in range(0, size, CHUNK):
        await sock.write(payload[start:start + CHUNK])
    await asyncio.wait_for(target.got_all, STEP_TIMEOUT * 2)
    result['sent_sha256'] = hashlib.sha256(payload).hexdigest()
    result['received_sha256'] = hashlib.sha256(bytes(target.received)).hexdigest()
    result['received_bytes'] = len(target.received)
    # The plugin's own close() calls a method its protocol lacks (slixmpp 1.8); end the transports.
    for client in (sender, target):
        for protocol in list(client['xep_0065']._sessions.values()):
            protocol.transport.close()


if __name__ == '__main__':
    HOST, PORT, SENDER, SENDER_PASSWORD, TARGET, TARGET_PASSWORD, SIZE = sys.argv[1:8]
    main(lambda result, clients: scenario(result, clients, HOST, int(PORT), SENDER, SENDER_PASSWORD, TARGET, TARGET_PASSWORD, int(SIZE)))
