"""slixmpp against two Palaver cluster nodes, driven by cluster-slixmpp.test.ts.

An account holder signs in on one node, a guest (SASL ANONYMOUS) on the other; each messages
the other and pings the other's full JID. slixmpp reads stanzas by namespace, so this also
proves that a stanza that crossed Redis reaches the client as jabber:client.
Prints one JSON line; every wait has a timeout.

Usage: cluster_slixmpp.py HOST PORT_A PORT_B ACCOUNT_JID PASSWORD GUEST_DOMAIN
"""

import asyncio
import sys

from slixmpp_harness import STEP_TIMEOUT, main, sign_in
from slixmpp_client import Client, next_message

# The other node learns of a new resource through Redis; a moment is plenty.
DIRECTORY_DELAY = 1


async def online(client):
    client.send_presence()
    await asyncio.wait_for(client.available, STEP_TIMEOUT)


async def scenario(result, clients):
    host, port_a, port_b, account_jid, password, guest_domain = sys.argv[1:7]
    account = await sign_in(Client, account_jid, password, host, int(port_a))
    clients.append(account)
    guest = await sign_in(Client, guest_domain, '', host, int(port_b))
    clients.append(guest)
    account.register_plugin('xep_0199')
    guest.register_plugin('xep_0199')
    await online(account)
    await online(guest)
    await asyncio.sleep(DIRECTORY_DELAY)

    guest.send_message(mto=account.boundjid.bare, mbody='hello across nodes', mtype='chat')
    result['account_received'] = await next_message(account)
    account.send_message(mto=guest.boundjid, mbody='hello back', mtype='chat')
    result['guest_received'] = await next_message(guest)
    result['guest_jid'] = str(guest.boundjid)

    rtt = await account['xep_0199'].ping(jid=guest.boundjid, timeout=STEP_TIMEOUT)
    result['ping'] = rtt is not None


if __name__ == '__main__':
    main(scenario)
