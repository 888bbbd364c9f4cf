"""Jingle <-> SDP for the Python test client of calls-python.test.ts (a test client, not a
library): XEP-0167 RTP descriptions, XEP-0176 ICE-UDP transports with XEP-0320 fingerprints,
XEP-0293 feedback, XEP-0294 header extensions, XEP-0338 BUNDLE groups and XEP-0339 sources,
written independently of the page's jingle-sdp.js so that each side checks the other.
"""

import secrets
import time
import xml.etree.ElementTree as ET

JINGLE = 'urn:xmpp:jingle:1'
RTP = 'urn:xmpp:jingle:apps:rtp:1'
ICE_UDP = 'urn:xmpp:jingle:transports:ice-udp:1'
DTLS = 'urn:xmpp:jingle:apps:dtls:0'
RTCP_FB = 'urn:xmpp:jingle:apps:rtp:rtcp-fb:0'
HDREXT = 'urn:xmpp:jingle:apps:rtp:rtp-hdrext:0'
SSMA = 'urn:xmpp:jingle:apps:rtp:ssma:0'
GROUPING = 'urn:xmpp:jingle:apps:grouping:0'
JMI = 'urn:xmpp:jingle-message:0'

# An SDP direction written by `role`, as Jingle's senders (XEP-0166 §7.3).
SENDERS = {
    'initiator': {'sendrecv': 'both', 'sendonly': 'initiator', 'recvonly': 'responder', 'inactive': 'none'},
    'responder': {'sendrecv': 'both', 'sendonly': 'responder', 'recvonly': 'initiator', 'inactive': 'none'},
}


def q(ns, name):
    return f'{{{ns}}}{name}'


def _attribute_values(lines, name):
    prefix = f'a={name}:'
    return [line[len(prefix):] for line in lines if line.startswith(prefix)]


def _split_sdp(sdp):
    session, media = [], []
    for line in filter(None, sdp.splitlines()):
        if line.startswith('m='):
            media.append([line])
        elif media:
            media[-1].append(line)
        else:
            session.append(line)
    return session, media


def candidate_element(line):
    """An SDP candidate value (`foundation component protocol …`) as an XEP-0176 <candidate/>."""
    bits = line.split()
    attrs = {'foundation': bits[0], 'component': bits[1], 'protocol': bits[2].lower(), 'priority': bits[3],
             'ip': bits[4], 'port': bits[5], 'type': bits[7], 'generation': '0', 'network': '0',
             # XEP-0176's schema types the id as an NCName: it must not start with a digit.
             'id': 'c' + secrets.token_hex(5)}
    for key, value in zip(bits[8::2], bits[9::2]):
        if key == 'raddr':
            attrs['rel-addr'] = value
        elif key == 'rport':
            attrs['rel-port'] = value
        elif key == 'generation':
            attrs['generation'] = value
    return ET.Element(q(ICE_UDP, 'candidate'), attrs)


def candidate_line(candidate):
    """An XEP-0176 <candidate/> as the SDP candidate value aiortc parses (no `candidate:` prefix)."""
    a = candidate.attrib
    line = f"{a['foundation']} {a['component']} {a['protocol']} {a['priority']} {a['ip']} {a['port']} typ {a['type']}"
    if a.get('rel-addr'):
        line += f" raddr {a['rel-addr']} rport {a['rel-port']}"
    return line


def sdp_to_jingle(sdp, role):
    """The children of a <jingle/> (BUNDLE group, contents) for an SDP written by `role`."""
    session, media = _split_sdp(sdp)
    nodes = []
    for group in _attribute_values(session, 'group'):
        semantics, *names = group.split()
        element = ET.Element(q(GROUPING, 'group'), {'semantics': semantics})
        for name in names:
            ET.SubElement(element, q(GROUPING, 'content'), {'name': name})
        nodes.append(element)
    for lines in media:
        kind, _port, _proto, *formats = lines[0][2:].split()
        direction = next((d for d in ('sendrecv', 'sendonly', 'recvonly', 'inactive') if f'a={d}' in lines), 'sendrecv')
        mid = (_attribute_values(lines, 'mid') or [kind])[0]
        content = ET.Element(q(JINGLE, 'content'), {'creator': 'initiator', 'name': mid, 'senders': SENDERS[role][direction]})
        description = ET.SubElement(content, q(RTP, 'description'), {'media': kind})
        types = {}
        for fmt in formats:
            types[fmt] = ET.SubElement(description, q(RTP, 'payload-type'), {'id': fmt})
        for value in _attribute_values(lines, 'rtpmap'):
            fmt, codec = value.split(' ', 1)
            name, clockrate, *channels = codec.split('/')
            if fmt in types:
                types[fmt].attrib.update({'name': name, 'clockrate': clockrate, **({'channels': channels[0]} if channels else {})})
        for value in _attribute_values(lines, 'fmtp'):
            fmt, params = value.split(' ', 1)
            for pair in filter(None, (p.strip() for p in params.split(';'))):
                name, _, val = pair.partition('=')
                if fmt in types:
                    ET.SubElement(types[fmt], q(RTP, 'parameter'), {'name': name, 'value': val})
        for value in _attribute_values(lines, 'rtcp-fb'):
            fmt, fb_type, *subtype = value.split()
            if fmt in types:
                ET.SubElement(types[fmt], q(RTCP_FB, 'rtcp-fb'), {'type': fb_type, **({'subtype': subtype[0]} if subtype else {})})
        for value in _attribute_values(lines, 'extmap'):
            ext_id, uri = value.split()[:2]
            ET.SubElement(description, q(HDREXT, 'rtp-hdrext'), {'id': ext_id.split('/')[0], 'uri': uri})
        if 'a=rtcp-mux' in lines:
            ET.SubElement(description, q(RTP, 'rtcp-mux'))
        sources = {}
        for value in _attribute_values(lines, 'ssrc'):
            ssrc, _, rest = value.partition(' ')
            name, _, val = rest.partition(':')
            if ssrc not in sources:
                sources[ssrc] = ET.SubElement(description, q(SSMA, 'source'), {'ssrc': ssrc})
            ET.SubElement(sources[ssrc], q(SSMA, 'parameter'), {'name': name, **({'value': val} if val else {})})
        for value in _attribute_values(lines, 'ssrc-group'):
            semantics, *ssrcs = value.split()
            group = ET.SubElement(description, q(SSMA, 'ssrc-group'), {'semantics': semantics})
            for ssrc in ssrcs:
                ET.SubElement(group, q(SSMA, 'source'), {'ssrc': ssrc})

        def pick(name):
            return (_attribute_values(lines, name) or _attribute_values(session, name) or [None])[0]
        transport = ET.SubElement(content, q(ICE_UDP, 'transport'), {'ufrag': pick('ice-ufrag'), 'pwd': pick('ice-pwd')})
        fingerprint = pick('fingerprint')
        if fingerprint:
            hash_name, value = fingerprint.split()
            element = ET.SubElement(transport, q(DTLS, 'fingerprint'), {'hash': hash_name, 'setup': pick('setup') or 'actpass'})
            element.text = value
        for value in _attribute_values(lines, 'candidate'):
            transport.append(candidate_element(value))
        nodes.append(content)
    return nodes


def jingle_to_sdp(jingle, role):
    """The SDP (offer if `role` is the initiator, answer if the responder) for a <jingle/>."""
    lines = ['v=0', f'o=- {int(time.time())} 2 IN IP4 0.0.0.0', 's=-', 't=0 0']
    group = jingle.find(q(GROUPING, 'group'))
    if group is not None:
        names = ' '.join(content.get('name') for content in group.findall(q(GROUPING, 'content')))
        lines.append(f"a=group:{group.get('semantics')} {names}")
    lines.append('a=msid-semantic:WMS *')
    directions = {senders: direction for direction, senders in SENDERS[role].items()}
    for content in jingle.findall(q(JINGLE, 'content')):
        description = content.find(q(RTP, 'description'))
        transport = content.find(q(ICE_UDP, 'transport'))
        types = description.findall(q(RTP, 'payload-type'))
        lines += [f"m={description.get('media')} 9 UDP/TLS/RTP/SAVPF {' '.join(t.get('id') for t in types)}",
                  'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0',
                  f"a=ice-ufrag:{transport.get('ufrag')}", f"a=ice-pwd:{transport.get('pwd')}"]
        fingerprint = transport.find(q(DTLS, 'fingerprint'))
        if fingerprint is not None:
            lines += [f"a=fingerprint:{fingerprint.get('hash')} {fingerprint.text.strip()}", f"a=setup:{fingerprint.get('setup')}"]
        lines.append(f"a=mid:{content.get('name')}")
        lines.append(f"a={directions[content.get('senders', 'both')]}")
        for ext in description.findall(q(HDREXT, 'rtp-hdrext')):
            lines.append(f"a=extmap:{ext.get('id')} {ext.get('uri')}")
        if description.find(q(RTP, 'rtcp-mux')) is not None:
            lines.append('a=rtcp-mux')
        for t in types:
            channels = t.get('channels')
            lines.append(f"a=rtpmap:{t.get('id')} {t.get('name')}/{t.get('clockrate')}{'/' + channels if channels and channels != '1' else ''}")
            params = [p.get('value') if not p.get('name') else f"{p.get('name')}={p.get('value')}" for p in t.findall(q(RTP, 'parameter'))]
            if params:
                lines.append(f"a=fmtp:{t.get('id')} {';'.join(params)}")
            for fb in t.findall(q(RTCP_FB, 'rtcp-fb')):
                lines.append(f"a=rtcp-fb:{t.get('id')} {fb.get('type')}{' ' + fb.get('subtype') if fb.get('subtype') else ''}")
        for group in description.findall(q(SSMA, 'ssrc-group')):
            lines.append(f"a=ssrc-group:{group.get('semantics')} {' '.join(s.get('ssrc') for s in group.findall(q(SSMA, 'source')))}")
        for source in description.findall(q(SSMA, 'source')):
            for parameter in source.findall(q(SSMA, 'parameter')):
                value = parameter.get('value')
                lines.append(f"a=ssrc:{source.get('ssrc')} {parameter.get('name')}{':' + value if value else ''}")
        for candidate in transport.findall(q(ICE_UDP, 'candidate')):
            lines.append(f'a=candidate:{candidate_line(candidate)}')
    return '\r\n'.join(lines) + '\r\n'
