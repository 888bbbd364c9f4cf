"""What the Python test client of calls-python.test.ts checks in every Jingle iq and Jingle
Message it receives from the page, against the XEPs' text and schemas: XEP-0166 (jingle,
content, reason), XEP-0167 (RTP description, payload types), XEP-0176 (ICE-UDP transport and
candidates), XEP-0320 (DTLS fingerprint), XEP-0293/0294/0338/0339, XEP-0353 (messages).
Each check returns the list of problems found, as sentences; [] when the stanza conforms.
"""

import re

from calls_python_jingle import DTLS, GROUPING, HDREXT, ICE_UDP, JINGLE, JMI, RTCP_FB, RTP, SSMA, q

ACTIONS = {'content-accept', 'content-add', 'content-modify', 'content-reject', 'content-remove', 'description-info',
           'security-info', 'session-accept', 'session-info', 'session-initiate', 'session-terminate',
           'transport-accept', 'transport-info', 'transport-reject', 'transport-replace'}
REASONS = {'alternative-session', 'busy', 'cancel', 'connectivity-error', 'decline', 'expired', 'failed-application',
           'failed-transport', 'general-error', 'gone', 'incompatible-parameters', 'media-error', 'security-error',
           'success', 'timeout', 'unsupported-applications', 'unsupported-transports'}
SENDERS = {'both', 'initiator', 'responder', 'none'}
CANDIDATE_REQUIRED = ('component', 'foundation', 'generation', 'id', 'ip', 'network', 'port', 'priority', 'protocol', 'type')
CANDIDATE_TYPES = {'host', 'prflx', 'relay', 'srflx'}
NCNAME = re.compile(r'^[A-Za-z_][\w.\-]*$')
FINGERPRINT = re.compile(r'^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$')
UNSIGNED = re.compile(r'^\d+$')


def _missing(element, names, where):
    return [f'{where} lacks {name}' for name in names if not element.get(name)]


def _unsigned(element, name, where, maximum):
    value = element.get(name)
    if value is None or (UNSIGNED.match(value) and int(value) <= maximum):
        return []
    return [f'{where} has {name}="{value}", not an integer 0..{maximum}']


def check_description(description, where):
    problems = []
    if description.get('media') not in ('audio', 'video'):
        problems.append(f'{where}: description media="{description.get("media")}"')
    types = description.findall(q(RTP, 'payload-type'))
    if not types:
        problems.append(f'{where}: description has no payload-type')
    for payload in types:
        at = f"{where} payload-type {payload.get('id')}"
        problems += _missing(payload, ('id',), at) + _unsigned(payload, 'id', at, 127)
        problems += _unsigned(payload, 'channels', at, 255) + _unsigned(payload, 'clockrate', at, 2 ** 32 - 1)
        if payload.get('id', '').isdigit() and int(payload.get('id')) >= 96 and not payload.get('name'):
            problems.append(f'{at}: a dynamic payload type needs a name (XEP-0167 §5)')
        for parameter in payload.findall(q(RTP, 'parameter')):
            # XEP-0167's schema: name and value are both required.
            problems += _missing(parameter, ('name',), f'{at} parameter') + [f'{at} parameter lacks value'] * (parameter.get('value') is None)
        for fb in payload.findall(q(RTCP_FB, 'rtcp-fb')):
            problems += _missing(fb, ('type',), f'{at} rtcp-fb')
        strays = [child.tag for child in payload if child.tag not in (q(RTP, 'parameter'), q(RTCP_FB, 'rtcp-fb'))]
        problems += [f'{at} has an unknown child {tag}' for tag in strays]
    for ext in description.findall(q(HDREXT, 'rtp-hdrext')):
        problems += _missing(ext, ('id', 'uri'), f'{where} rtp-hdrext') + _unsigned(ext, 'id', f'{where} rtp-hdrext', 255)
        if ext.get('senders') and ext.get('senders') not in SENDERS:
            problems.append(f"{where} rtp-hdrext senders=\"{ext.get('senders')}\"")
    for source in description.findall(q(SSMA, 'source')):
        problems += _missing(source, ('ssrc',), f'{where} source') + _unsigned(source, 'ssrc', f'{where} source', 2 ** 32 - 1)
        problems += [f'{where} source parameter lacks name' for p in source.findall(q(SSMA, 'parameter')) if not p.get('name')]
    for group in description.findall(q(SSMA, 'ssrc-group')):
        problems += _missing(group, ('semantics',), f'{where} ssrc-group')
    known = {q(RTP, 'payload-type'), q(RTP, 'rtcp-mux'), q(RTP, 'encryption'), q(RTP, 'bandwidth'), q(RTCP_FB, 'rtcp-fb'),
             q(RTCP_FB, 'rtcp-fb-trr-int'), q(HDREXT, 'rtp-hdrext'), q(HDREXT, 'extmap-allow-mixed'), q(SSMA, 'source'),
             q(SSMA, 'ssrc-group')}
    problems += [f'{where}: description has an unknown child {child.tag}' for child in description if child.tag not in known]
    return problems


def check_transport(transport, where, action):
    problems = []
    if action in ('session-initiate', 'session-accept'):
        problems += _missing(transport, ('ufrag', 'pwd'), f'{where} transport')
    for candidate in transport.findall(q(ICE_UDP, 'candidate')):
        at = f"{where} candidate {candidate.get('id')}"
        problems += _missing(candidate, CANDIDATE_REQUIRED, at)
        problems += _unsigned(candidate, 'component', at, 255) + _unsigned(candidate, 'generation', at, 255)
        problems += _unsigned(candidate, 'network', at, 255) + _unsigned(candidate, 'port', at, 65535)
        problems += _unsigned(candidate, 'rel-port', at, 65535) + _unsigned(candidate, 'priority', at, 2 ** 32 - 1)
        if candidate.get('id') and not NCNAME.match(candidate.get('id')):
            problems.append(f'{at}: id is not an NCName (XEP-0176 schema)')
        if candidate.get('type') not in CANDIDATE_TYPES:
            problems.append(f"{at}: type=\"{candidate.get('type')}\"")
        if candidate.get('protocol') != 'udp':
            problems.append(f"{at}: protocol=\"{candidate.get('protocol')}\" on an ICE-UDP transport")
    for fingerprint in transport.findall(q(DTLS, 'fingerprint')):
        problems += _missing(fingerprint, ('hash', 'setup'), f'{where} fingerprint')
        allowed = {'session-initiate': {'actpass'}, 'session-accept': {'active', 'passive'}}.get(action, {'actpass', 'active', 'passive'})
        if fingerprint.get('setup') not in allowed:
            problems.append(f"{where} fingerprint setup=\"{fingerprint.get('setup')}\" in a {action} (XEP-0320, RFC 5763)")
        if not FINGERPRINT.match((fingerprint.text or '').strip()):
            problems.append(f'{where} fingerprint value is not colon-separated hex')
    strays = [child.tag for child in transport if child.tag not in (q(ICE_UDP, 'candidate'), q(DTLS, 'fingerprint'))]
    problems += [f'{where} transport has an unknown child {tag}' for tag in strays]
    return problems


def check_jingle_iq(iq, expected_sid=None):
    """Problems in a Jingle iq (an ElementTree element of the whole <iq/>) from the page."""
    problems = []
    if iq.get('type') != 'set' or not iq.get('id'):
        problems.append(f"iq type=\"{iq.get('type')}\" id=\"{iq.get('id')}\" (a Jingle action is an iq set with an id)")
    jingles = [child for child in iq if child.tag == q(JINGLE, 'jingle')]
    if len(jingles) != 1 or len(iq) != 1:
        return problems + ['the iq does not hold exactly one <jingle xmlns="urn:xmpp:jingle:1"/>']
    jingle = jingles[0]
    action = jingle.get('action')
    problems += _missing(jingle, ('action', 'sid'), 'jingle')
    if action not in ACTIONS:
        problems.append(f'jingle action="{action}" is not an XEP-0166 action')
    if expected_sid and jingle.get('sid') != expected_sid:
        problems.append(f"jingle sid=\"{jingle.get('sid')}\" is not the XEP-0353 id {expected_sid}")
    sender = iq.get('from')
    # XEP-0166 §7.1: initiator RECOMMENDED in session-initiate, responder in session-accept, neither elsewhere.
    for name, own_action in (('initiator', 'session-initiate'), ('responder', 'session-accept')):
        if action == own_action and jingle.get(name) != sender:
            problems.append(f'{action}: {name}="{jingle.get(name)}" is not the sender {sender}')
        if action != own_action and jingle.get(name) is not None:
            problems.append(f'{action} carries {name} (NOT RECOMMENDED)')
    contents = jingle.findall(q(JINGLE, 'content'))
    for content in contents:
        where = f"{action} content {content.get('name')}"
        problems += _missing(content, ('creator', 'name'), where)
        if content.get('creator') not in ('initiator', 'responder'):
            problems.append(f"{where}: creator=\"{content.get('creator')}\"")
        if content.get('senders') is not None and content.get('senders') not in SENDERS:
            problems.append(f"{where}: senders=\"{content.get('senders')}\"")
        descriptions = content.findall(q(RTP, 'description'))
        transports = content.findall(q(ICE_UDP, 'transport'))
        if action in ('session-initiate', 'session-accept') and (len(descriptions) != 1 or len(transports) != 1):
            problems.append(f'{where}: needs one RTP description and one ICE-UDP transport')
        if action == 'transport-info' and (descriptions or len(transports) != 1):
            problems.append(f'{where}: a transport-info content holds one transport and no description')
        for description in descriptions:
            problems += check_description(description, where)
        for transport in transports:
            problems += check_transport(transport, where, action)
    if action in ('session-initiate', 'session-accept', 'transport-info') and not contents:
        problems.append(f'{action} has no content')
    names = {content.get('name') for content in contents}
    for group in jingle.findall(q(GROUPING, 'group')):
        problems += _missing(group, ('semantics',), 'group')
        problems += [f"group names an unknown content {c.get('name')}" for c in group.findall(q(GROUPING, 'content')) if c.get('name') not in names]
    reason = jingle.find(q(JINGLE, 'reason'))
    if action == 'session-terminate':
        conditions = [child.tag for child in (reason if reason is not None else []) if child.tag != q(JINGLE, 'text')]
        if len(conditions) != 1 or conditions[0] not in {q(JINGLE, r) for r in REASONS}:
            problems.append(f'session-terminate reason {conditions} is not one XEP-0166 condition')
    return problems


def check_jmi_message(message, kind, expected_id=None):
    """Problems in an XEP-0353 message (an ElementTree <message/>) whose element is `kind`."""
    problems = []
    elements = [child for child in message if child.tag.startswith(f'{{{JMI}}}')]
    if len(elements) != 1 or elements[0].tag != q(JMI, kind):
        return [f'the message holds {[e.tag for e in elements]}, not one {kind}']
    element = elements[0]
    if not element.get('id'):
        problems.append(f'{kind} lacks id')
    if expected_id and element.get('id') != expected_id:
        problems.append(f"{kind} id=\"{element.get('id')}\" is not {expected_id}")
    if message.get('type') not in ('chat', 'normal', None):
        problems.append(f"{kind} is in a message of type {message.get('type')}")
    if kind == 'propose':
        descriptions = element.findall(q(RTP, 'description'))
        if not descriptions:
            problems.append('propose has no RTP description')
        problems += [f"propose description media=\"{d.get('media')}\"" for d in descriptions if d.get('media') not in ('audio', 'video')]
    return problems
