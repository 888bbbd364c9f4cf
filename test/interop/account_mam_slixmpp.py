"""slixmpp against Palaver's archive for account holders and offline messages, driven by
account-mam-slixmpp.test.ts.

Phase "chat": alice and bob chat; alice pages through MAM "with" bob (RSM, max 2), searches it
(XEP-0431 full text), sets and reads back her preferences (never bob: then nothing more is
kept), bob compares his live stanza-ids with his archive's ids, a guest's disco shows no MAM;
then bob goes offline and alice writes to him past the offline cap.
Phase "return" (after the server restarted on the same data): bob signs in and gets what waited.

Usage: account_mam_slixmpp.py PHASE HOST PORT ALICE_JID ALICE_PASSWORD BOB_JID BOB_PASSWORD GUEST_DOMAIN OFFLINE_COUNT
"""

import asyncio
import sys

from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Collector
from slixmpp.xmlstream.matcher import MatchXMLMask

from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

SID = '{urn:xmpp:sid:0}stanza-id'
DELAY = '{urn:xmpp:delay}delay'
FULLTEXT = '{urn:xmpp:fulltext:0}fulltext'


class Client(SignInClient):
    """Queues the messages it receives (body, stanza-id by itself, delay) and the errors."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        for plugin in ('xep_0030', 'xep_0059', 'xep_0297', 'xep_0313', 'xep_0441'):
            self.register_plugin(plugin)
        self.messages = asyncio.Queue()
        self.errors = asyncio.Queue()
        self.available = asyncio.get_event_loop().create_future()
        self.add_event_handler('message', self._on_message)
        self.add_event_handler('message_error', lambda message: self.errors.put_nowait(message['error']['condition']))
        self.add_event_handler('presence_available', self._on_available)

    def _on_available(self, presence):
        if presence['from'] == self.boundjid and not self.available.done():
            self.available.set_result(True)

    def _on_message(self, message):
        if message['type'] not in ('chat', 'normal') or not message['body']:
            return
        sid = next((e.get('id') for e in message.xml.findall(SID) if e.get('by') == self.boundjid.bare), None)
        delay = message.xml.find(DELAY)
        self.messages.put_nowait({
            'from': str(message['from']), 'body': message['body'], 'stanza_id': sid,
            'delay': None if delay is None else {'from': delay.get('from'), 'stamp': delay.get('stamp')},
        })

    async def go_online(self):
        self.send_presence()
        await asyncio.wait_for(self.available, STEP_TIMEOUT)


async def received(client, count):
    return [await asyncio.wait_for(client.messages.get(), STEP_TIMEOUT) for _ in range(count)]


async def mam_query(client, with_jid=None, fulltext=None, rsm=None):
    """One MAM query to the client's own archive: (the <fin/>'s RSM and completeness, the results' bodies and ids)."""
    mam = client['xep_0313']
    iq, mask = mam._pre_mam_retrieve(None, None, None, with_jid, None)
    if fulltext is not None:
        iq['mam'].set_custom_field(FULLTEXT, fulltext)
    for key, value in (rsm or {}).items():
        iq['mam']['rsm'][key] = str(value)
    collector = Collector('mam_' + iq['id'], MatchXMLMask(str(mask)))
    client.register_handler(collector)
    try:
        answer = await iq.send(timeout=STEP_TIMEOUT)
    finally:
        results = collector.stop()
    found = [{'id': r['mam_result']['id'], 'body': r['mam_result']['forwarded']['stanza']['body']} for r in results]
    fin = answer['mam_fin']
    # slixmpp's Fin has no interface for the attribute.
    complete = answer.xml.find('{urn:xmpp:mam:2}fin').get('complete') == 'true'
    return {'complete': complete, 'count': fin['rsm']['count'], 'last': fin['rsm']['last'], 'results': found}


async def page_through(client, with_jid, size):
    """Every page, oldest first, following <last/> as a client catching up does."""
    pages = []
    after = None
    while len(pages) < 10:
        rsm = {'max': size}
        if after:
            rsm['after'] = after
        page = await mam_query(client, with_jid=with_jid, rsm=rsm)
        pages.append([r['body'] for r in page['results']])
        if page['complete']:
            return pages, page['count']
        after = page['last']
    raise RuntimeError(f'paging never completed: {pages}')


async def features_of(client, jid):
    info = await client['xep_0030'].get_info(jid=jid, timeout=STEP_TIMEOUT)
    return sorted(info['disco_info']['features'])


async def chat_phase(result, clients, host, port, alice_jid, alice_password, bob_jid, bob_password, guest_domain, offline_count):
    bob = await sign_in(Client, bob_jid, bob_password, host, port)
    clients.append(bob)
    alice = await sign_in(Client, alice_jid, alice_password, host, port)
    clients.append(alice)
    await bob.go_online()
    await alice.go_online()
    bodies = ['one', 'two banana bread', 'three', 'four', 'five']
    for body in bodies:
        alice.send_message(mto=bob.boundjid.bare, mbody=body, mtype='chat')
    live = await received(bob, len(bodies))
    bob.send_message(mto=alice.boundjid, mbody='a banana for you', mtype='chat')
    await received(alice, 1)
    result['bob_live'] = live

    result['alice_pages'], result['alice_count'] = await page_through(alice, bob.boundjid.bare, 2)
    result['alice_search'] = await mam_query(alice, fulltext='banana')
    result['alice_search_with'] = await mam_query(alice, with_jid=bob.boundjid.bare, fulltext='bread')
    bob_archive = await mam_query(bob, rsm={'max': 20})
    result['bob_archive'] = bob_archive['results']

    default, always, never = await alice['xep_0441'].get_preferences(timeout=STEP_TIMEOUT)
    result['prefs_before'] = [default, sorted(str(jid) for jid in always), sorted(str(jid) for jid in never)]
    await alice['xep_0441'].set_preferences(default='roster', always=['carol@localhost'], never=[bob.boundjid.bare], timeout=STEP_TIMEOUT)
    default, always, never = await alice['xep_0441'].get_preferences(timeout=STEP_TIMEOUT)
    result['prefs_after'] = [default, sorted(str(jid) for jid in always), sorted(str(jid) for jid in never)]
    alice.send_message(mto=bob.boundjid.bare, mbody='not kept by alice', mtype='chat')
    await received(bob, 1)
    result['alice_count_after_never'] = (await mam_query(alice, with_jid=bob.boundjid.bare))['count']
    try:
        iq = alice.make_iq_set(ito=bob.boundjid.bare)
        iq.enable('mam')
        await iq.send(timeout=STEP_TIMEOUT)
        result['alice_reads_bob'] = 'allowed'
    except IqError as error:
        result['alice_reads_bob'] = error.condition

    result['alice_features'] = await features_of(alice, alice.boundjid.bare)
    guest = await sign_in(Client, guest_domain, '', host, port)
    clients.append(guest)
    result['guest_features'] = await features_of(guest, guest.boundjid.bare)

    # Bob leaves; alice writes to him, one past the cap.
    bob.disconnect(wait=1)
    await asyncio.wait_for(bob.disconnected, STEP_TIMEOUT)
    clients.remove(bob)
    await asyncio.sleep(0.3)
    for n in range(offline_count + 1):
        alice.send_message(mto=bob.boundjid.bare, mbody=f'while you were away {n + 1}', mtype='chat')
    result['alice_errors'] = [await asyncio.wait_for(alice.errors.get(), STEP_TIMEOUT)]


async def return_phase(result, clients, host, port, bob_jid, bob_password):
    bob = await sign_in(Client, bob_jid, bob_password, host, port)
    clients.append(bob)
    await asyncio.sleep(0.2)
    result['before_presence'] = bob.messages.qsize()
    await bob.go_online()
    waiting = []
    while True:
        try:
            waiting.append(await asyncio.wait_for(bob.messages.get(), 1.5))
        except asyncio.TimeoutError:
            break
    result['offline'] = waiting
    result['bob_archive'] = (await mam_query(bob, rsm={'max': 50}))['results']


async def scenario(result, clients):
    phase, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    alice_jid, alice_password, bob_jid, bob_password, guest_domain, offline_count = sys.argv[4:10]
    if phase == 'chat':
        await chat_phase(result, clients, host, port, alice_jid, alice_password, bob_jid, bob_password, guest_domain, int(offline_count))
    else:
        await return_phase(result, clients, host, port, bob_jid, bob_password)


if __name__ == '__main__':
    main(scenario)
