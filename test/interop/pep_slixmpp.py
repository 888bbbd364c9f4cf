"""PEP (XEP-0163) with slixmpp against Palaver, driven by pep-slixmpp.test.ts.

Alice signs in twice, Bob (who sees Alice's presence) once, Carol (who does not) once. Every
client announces its interests with slixmpp's own entity capabilities (XEP-0115) and the
XEP-0118 user tune plugin (tune+notify). Alice's first resource publishes a tune; her other
resource and Bob get the event. Then: publish-options that the node does not meet, reads under
the presence and open access models, the last item sent to a resource that comes online later,
the bare JID's disco#info, and the server's caps from the stream features, as slixmpp verified
them. Prints one JSON line.

Usage: pep_slixmpp.py HOST PORT PASSWORD
(the accounts alice, bob and carol @localhost share the password)
"""

import asyncio
import sys

from slixmpp.exceptions import IqError

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

TUNE = 'http://jabber.org/protocol/tune'
PUBSUB = 'http://jabber.org/protocol/pubsub'


class PepClient(SignInClient):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0004', 'xep_0030', 'xep_0060', 'xep_0115', 'xep_0163', 'xep_0118'):
            self.register_plugin(plugin)
        self.tunes = asyncio.Queue()
        self.add_event_handler('user_tune_publish', self._on_tune)

    def _on_tune(self, message):
        tune = message['pubsub_event']['items']['item']['tune']
        self.tunes.put_nowait({'from': str(message['from']), 'title': tune['title'], 'artist': tune['artist']})

    async def online(self):
        # The caps are computed once the +notify interests are in; the presence carries them.
        await self['xep_0115'].update_caps(broadcast=False)
        self.send_presence()


def error_of(error):
    """The defined condition and the pubsub#errors condition of an IqError."""
    app = [child.tag.split('}')[1] for child in error.iq['error'].xml
           if child.tag.startswith('{http://jabber.org/protocol/pubsub#errors}')]
    return {'condition': error.condition, 'app': app[0] if app else None}


def options_form(client, **fields):
    form = client['xep_0004'].make_form(ftype='submit')
    form.add_field(var='FORM_TYPE', ftype='hidden', value=f'{PUBSUB}#publish-options')
    for name, value in fields.items():
        form.add_field(var=f'pubsub#{name}', value=value)
    return form


async def next_tune(client):
    return await asyncio.wait_for(client.tunes.get(), STEP_TIMEOUT)


async def attempt(step):
    try:
        await step
        return {'type': 'result'}
    except IqError as error:
        return {'type': 'error', **error_of(error)}


async def scenario(result, clients, host, port, password):
    async def connect(jid):
        client = await sign_in(PepClient, jid, password, host, port)
        clients.append(client)
        return client

    alice = await connect('alice@localhost/one')
    alice_two = await connect('alice@localhost/two')
    bob = await connect('bob@localhost/reader')
    carol = await connect('carol@localhost/stranger')
    for client in (alice_two, bob, alice):
        await client.online()
    # The server asks each new client version for its disco#info once; let that settle.
    await asyncio.sleep(1.5)

    server_caps = await alice['xep_0115'].get_caps(jid='localhost')
    result['server_caps'] = {
        'in_features': 'caps' in alice.features,
        'verified_features': sorted(server_caps['features']) if server_caps is not None else None,
    }
    info = await alice['xep_0030'].get_info(jid='alice@localhost', timeout=STEP_TIMEOUT)
    result['account_info'] = {
        'identities': sorted(f'{i[0]}/{i[1]}' for i in info['disco_info']['identities']),
        'features': sorted(info['disco_info']['features']),
    }

    await alice['xep_0118'].publish_tune(artist='Nina Simone', title='Feeling Good', timeout=STEP_TIMEOUT)
    result['alice_two_heard'] = await next_tune(alice_two)
    result['bob_heard'] = await next_tune(bob)

    # The tune node was made with the default (presence) access: whitelist options are not met.
    result['precondition'] = await attempt(alice['xep_0118'].publish_tune(
        title='Secret', options=options_form(alice, access_model='whitelist'), timeout=STEP_TIMEOUT))
    result['bob_reads_presence_node'] = await attempt(bob['xep_0060'].get_items('alice@localhost', TUNE, timeout=STEP_TIMEOUT))
    result['carol_reads_presence_node'] = await attempt(carol['xep_0060'].get_items('alice@localhost', TUNE, timeout=STEP_TIMEOUT))
    await alice['xep_0060'].publish(None, 'urn:example:open', id='1',
                                    options=options_form(alice, access_model='open'), timeout=STEP_TIMEOUT)
    result['carol_reads_open_node'] = await attempt(carol['xep_0060'].get_items('alice@localhost', 'urn:example:open', timeout=STEP_TIMEOUT))

    later = await connect('bob@localhost/later')
    await later.online()
    result['later_heard'] = await next_tune(later)


if __name__ == '__main__':
    host, port, password = sys.argv[1:4]
    main(lambda result, clients: scenario(result, clients, host, int(port), password))
