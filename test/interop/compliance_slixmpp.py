"""What the Conversations Compliance Suite looks for, as slixmpp finds it on Palaver; driven by
compliance.test.ts. Alice signs in and asks disco#info of the server, of her own bare JID, and
of every item the server lists (rooms, upload, proxy). Prints one JSON line.

Usage: compliance_slixmpp.py HOST PORT JID PASSWORD
"""

import sys

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in


class Client(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0030')


async def info(client, jid):
    found = await client['xep_0030'].get_info(jid=jid, timeout=STEP_TIMEOUT)
    return {
        'identities': sorted(f'{i[0]}/{i[1]}' for i in found['disco_info']['identities']),
        'features': sorted(found['disco_info']['features']),
    }


async def scenario(result, clients):
    host, port, jid, password = sys.argv[1:5]
    alice = await sign_in(Client, jid, password, host, int(port))
    clients.append(alice)
    domain = jid.split('@')[1].split('/')[0]
    result['server'] = await info(alice, domain)
    result['account'] = await info(alice, jid.split('/')[0])
    items = await alice['xep_0030'].get_items(jid=domain, timeout=STEP_TIMEOUT)
    result['items'] = {}
    for item in items['disco_items']['items']:
        result['items'][item[0]] = await info(alice, item[0])


if __name__ == '__main__':
    main(scenario)
