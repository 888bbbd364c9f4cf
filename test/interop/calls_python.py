"""An account holder with slixmpp and aiortc who calls and answers a browser guest of the
landing page (landing/calls/), driven by calls-python.test.ts.

It joins the room, then (a) answers the guest's call: waits for the XEP-0353 propose, sends
proceed, turns the guest's session-initiate into an SDP offer for aiortc, answers with
session-accept, adds the trickled transport-info candidates, counts the video frames it
decodes from the guest's camera and sends its own generated audio and video, until the
guest hangs up; then (b) calls the guest: propose, waits for proceed, session-initiate from
aiortc's offer, the guest's session-accept and candidates, frames both ways, until the guest
hangs up. Every Jingle iq and call message from the guest is checked against the XEPs
(calls_python_checks.py). Prints one JSON line; every wait has a timeout.

Usage: calls_python.py HOST PORT JID PASSWORD ROOM_JID NICK GUEST_NICK
"""

import asyncio
import sys
import uuid
import xml.etree.ElementTree as ET

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from aiortc.sdp import candidate_from_sdp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

import slixmpp_harness
from calls_python_checks import check_jingle_iq, check_jmi_message
from calls_python_jingle import DTLS, GROUPING, ICE_UDP, JINGLE, JMI, RTP, candidate_line, jingle_to_sdp, q, sdp_to_jingle
from slixmpp_harness import STEP_TIMEOUT, SignInClient, main, sign_in

# A person answers (the test clicks) and the frames must be counted on both sides: more than a step.
CALL_TIMEOUT = 60
# Two calls with media take longer than the harness's default run.
slixmpp_harness.RUN_TIMEOUT = 170


class HasChildIn:
    """A slixmpp matcher: a stanza of this kind with a child in this namespace (MatchXPath has no wildcards)."""

    def __init__(self, kind, ns):
        self.kind, self.prefix = kind, f'{{{ns}}}'

    def match(self, stanza):
        return stanza.xml.tag.endswith(f'}}{self.kind}') and any(child.tag.startswith(self.prefix) for child in stanza.xml)


class Client(SignInClient):
    """Queues the Jingle iqs and XEP-0353 messages it receives, as ElementTree elements."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0045')
        self.jingle = asyncio.Queue()
        self.jmi = asyncio.Queue()
        self.register_handler(Callback('jingle iq', MatchXPath(f'{{{self.default_ns}}}iq/{{{JINGLE}}}jingle'), self._on_jingle))
        self.register_handler(Callback('jingle message', HasChildIn('message', JMI), lambda m: self.jmi.put_nowait(m.xml)))

    def _on_jingle(self, iq):
        if iq['type'] == 'set':
            self.jingle.put_nowait(iq)


def summary(jingle):
    """What the test asserts of a received <jingle/>: action, contents and their parts."""
    contents = []
    for content in jingle.findall(q(JINGLE, 'content')):
        description = content.find(q(RTP, 'description'))
        transport = content.find(q(ICE_UDP, 'transport'))
        fingerprint = transport.find(q(DTLS, 'fingerprint')) if transport is not None else None
        contents.append({
            'name': content.get('name'), 'creator': content.get('creator'), 'senders': content.get('senders', 'both'),
            'media': description.get('media') if description is not None else None,
            'codecs': sorted({p.get('name') for p in description.findall(q(RTP, 'payload-type'))}) if description is not None else [],
            'transport': transport is not None,
            'setup': fingerprint.get('setup') if fingerprint is not None else None,
            'candidates': len(transport.findall(q(ICE_UDP, 'candidate'))) if transport is not None else 0,
        })
    group = jingle.find(q(GROUPING, 'group'))
    reason = jingle.find(q(JINGLE, 'reason'))
    return {'action': jingle.get('action'), 'contents': contents, 'group': group.get('semantics') if group is not None else None,
            **({'reason': [child.tag.split('}')[1] for child in reason]} if reason is not None else {})}


class Call:
    """One call with the guest: an aiortc peer connection, what was received, what was wrong."""

    def __init__(self, client, peer, sid, role):
        self.client, self.peer, self.sid, self.role = client, peer, sid, role
        # No STUN server: media go host to host on this machine, and nothing contacts a third party.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.frames = 0
        self.received = []
        self.problems = []
        self.counting = []
        self.pc.on('track', self._on_track)
        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(VideoStreamTrack())

    def _on_track(self, track):
        if track.kind == 'video':
            self.counting.append(asyncio.ensure_future(self._count(track)))

    async def _count(self, track):
        try:
            while True:
                await track.recv()
                self.frames += 1
        except MediaStreamError:
            pass

    def send_jmi(self, kind, media=()):
        message = self.client.Message()
        message['to'] = self.peer
        message['type'] = 'chat'
        element = ET.SubElement(message.xml, q(JMI, kind), {'id': self.sid})
        for kind_of_media in media:
            ET.SubElement(element, q(RTP, 'description'), {'media': kind_of_media})
        ET.SubElement(message.xml, '{urn:xmpp:hints}store')
        message.send()

    async def next_jmi(self, kind):
        message = await asyncio.wait_for(self.client.jmi.get(), CALL_TIMEOUT)
        if message.get('from') != self.peer:
            self.problems.append(f"a call message from {message.get('from')}, not {self.peer}")
        self.problems += check_jmi_message(message, kind, self.sid)
        self.received.append({'action': kind})
        return message

    async def send_jingle(self, attrs, children):
        iq = self.client.Iq()
        iq['type'] = 'set'
        iq['to'] = self.peer
        jingle = ET.SubElement(iq.xml, q(JINGLE, 'jingle'), {'sid': self.sid, **attrs})
        jingle.extend(children)
        await iq.send(timeout=STEP_TIMEOUT)

    async def until(self, action):
        """Acks and checks the guest's Jingle iqs, adding candidates, until one with this action."""
        while True:
            iq = await asyncio.wait_for(self.client.jingle.get(), CALL_TIMEOUT)
            iq.reply().send()
            if iq['from'] != self.peer:
                self.problems.append(f"a Jingle iq from {iq['from']}, not {self.peer}")
            self.problems += check_jingle_iq(iq.xml, self.sid)
            jingle = iq.xml.find(q(JINGLE, 'jingle'))
            self.received.append(summary(jingle))
            if jingle.get('action') == 'transport-info':
                await self.add_candidates(jingle)
            if jingle.get('action') == action:
                return jingle
            if jingle.get('action') == 'session-terminate':
                raise RuntimeError(f'the guest ended the session while we waited for {action}')

    async def add_candidates(self, jingle):
        for content in jingle.findall(q(JINGLE, 'content')):
            for candidate in content.iter(q(ICE_UDP, 'candidate')):
                ice = candidate_from_sdp(candidate_line(candidate))
                ice.sdpMid = content.get('name')
                await self.pc.addIceCandidate(ice)

    async def until_hung_up(self):
        await self.until('session-terminate')
        await self.pc.close()
        for task in self.counting:
            task.cancel()

    def report(self):
        return {'sid': self.sid, 'frames': self.frames, 'received': self.received, 'problems': self.problems,
                'ice': self.pc.iceConnectionState}


async def answer_the_guest(client, peer, own_room_jid):
    """(a) The guest calls us: proceed, then answer their session-initiate with aiortc."""
    propose = await asyncio.wait_for(client.jmi.get(), CALL_TIMEOUT)
    element = propose.find(q(JMI, 'propose'))
    if element is None or propose.get('from') != peer:
        raise RuntimeError(f'expected a propose from {peer}, got {ET.tostring(propose, encoding="unicode")}')
    call = Call(client, peer, element.get('id'), 'responder')
    call.problems += check_jmi_message(propose, 'propose')
    call.received.append({'action': 'propose', 'media': [d.get('media') for d in element.findall(q(RTP, 'description'))]})
    call.send_jmi('proceed')
    initiate = await call.until('session-initiate')
    await call.pc.setRemoteDescription(RTCSessionDescription(jingle_to_sdp(initiate, 'initiator'), 'offer'))
    await call.pc.setLocalDescription(await call.pc.createAnswer())
    await call.send_jingle({'action': 'session-accept', 'responder': own_room_jid}, sdp_to_jingle(call.pc.localDescription.sdp, 'responder'))
    await call.until_hung_up()
    return call


async def call_the_guest(client, peer, own_room_jid):
    """(b) We call the guest: propose, their proceed, our aiortc offer as session-initiate."""
    call = Call(client, peer, str(uuid.uuid4()), 'initiator')
    call.send_jmi('propose', ('audio', 'video'))
    await call.next_jmi('proceed')
    await call.pc.setLocalDescription(await call.pc.createOffer())
    await call.send_jingle({'action': 'session-initiate', 'initiator': own_room_jid}, sdp_to_jingle(call.pc.localDescription.sdp, 'initiator'))
    accept = await call.until('session-accept')
    await call.pc.setRemoteDescription(RTCSessionDescription(jingle_to_sdp(accept, 'responder'), 'answer'))
    await call.until_hung_up()
    return call


async def scenario(result, clients):
    host, port, jid, password, room, nick, guest_nick = sys.argv[1:8]
    client = await sign_in(Client, jid, password, host, int(port))
    clients.append(client)
    client.send_presence()
    await client.plugin['xep_0045'].join_muc_wait(room, nick, timeout=STEP_TIMEOUT, maxstanzas=0)
    own_room_jid, peer = f'{room}/{nick}', f'{room}/{guest_nick}'
    result['answered'] = (await answer_the_guest(client, peer, own_room_jid)).report()
    result['called'] = (await call_the_guest(client, peer, own_room_jid)).report()
    result['unknown_session'] = await signal_unknown_session(client, peer)


async def signal_unknown_session(client, peer):
    """A transport-info for a session the page does not have: XEP-0166 §7.2 says item-not-found with unknown-session."""
    iq = client.Iq()
    iq['type'] = 'set'
    iq['to'] = peer
    ET.SubElement(iq.xml, q(JINGLE, 'jingle'), {'action': 'transport-info', 'sid': 'no-such-session'})
    try:
        await iq.send(timeout=STEP_TIMEOUT)
    except IqError as error:
        stanza_error = error.iq.xml.find('{jabber:client}error')
        return {'type': error.iq['error']['type'], 'condition': error.iq['error']['condition'],
                'jingle': [child.tag for child in stanza_error if child.tag.startswith('{urn:xmpp:jingle:errors:1}')]}
    return {'type': 'result'}


if __name__ == '__main__':
    main(scenario)
