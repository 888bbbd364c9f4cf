/**
 * The landing page's SDP <-> Jingle conversion (landing/calls/jingle-sdp.js), on an offer
 * Chromium made (audio and video, BUNDLE, trickle ICE).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain browser JavaScript, without types
import { candidateFromJingle, candidateToJingle, jingleToSdp, NS, sdpToJingle } from '../../landing/calls/jingle-sdp.js';

interface Node { name: string; attrs: Record<string, string>; children: Node[]; text?: string }

const offer = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'chromium-offer.sdp'), 'utf8');
const lines = (sdp: string, prefix: string) => sdp.split(/\r?\n/).filter((line) => line.startsWith(prefix));
const child = (node: Node, name: string) => node.children.find((c) => c.name === name)!;

describe('SDP <-> Jingle', () => {
  const nodes = sdpToJingle(offer, 'initiator') as Node[];
  const contents = nodes.filter((node) => node.name === 'content');

  it('makes one content per media section, named by its mid, with a BUNDLE group', () => {
    expect(contents.map((content) => content.attrs.name)).toEqual(['0', '1']);
    expect(contents.map((content) => child(content, 'description').attrs.media)).toEqual(['audio', 'video']);
    const group = nodes.find((node) => node.name === 'group')!;
    expect(group.attrs).toEqual({ xmlns: NS.grouping, semantics: 'BUNDLE' });
    expect(group.children.map((c) => c.attrs.name)).toEqual(['0', '1']);
  });

  it('writes the RTP description as XEP-0167/0293/0294/0339 say', () => {
    const audio = child(contents[0], 'description');
    const opus = audio.children.find((c) => c.name === 'payload-type' && c.attrs.id === '111')!;
    expect(opus.attrs).toMatchObject({ name: 'opus', clockrate: '48000', channels: '2' });
    expect(opus.children).toContainEqual({ name: 'parameter', attrs: { name: 'useinbandfec', value: '1' }, children: [] });
    expect(opus.children).toContainEqual({ name: 'rtcp-fb', attrs: { xmlns: NS.rtcpFb, type: 'transport-cc' }, children: [] });
    expect(audio.children.filter((c) => c.name === 'rtp-hdrext').map((c) => c.attrs.uri)).toContain('urn:ietf:params:rtp-hdrext:sdes:mid');
    expect(audio.children.some((c) => c.name === 'rtcp-mux')).toBe(true);
    const source = audio.children.find((c) => c.name === 'source')!;
    expect(source.attrs).toEqual({ xmlns: NS.ssma, ssrc: '1032039505' });
    expect(source.children.map((c) => c.attrs.name)).toEqual(['cname', 'msid']);
    const video = child(contents[1], 'description');
    expect(video.children.find((c) => c.name === 'ssrc-group')?.attrs.semantics).toBe('FID');
  });

  it('writes the ICE-UDP transport with its DTLS fingerprint (XEP-0176, XEP-0320)', () => {
    const transport = child(contents[0], 'transport');
    expect(transport.attrs).toEqual({ xmlns: NS.iceUdp, ufrag: '2Cjp', pwd: '4z+D7lRRs+5OsZB0RiAd6twg' });
    const fingerprint = child(transport, 'fingerprint');
    expect(fingerprint.attrs).toEqual({ xmlns: NS.dtls, hash: 'sha-256', setup: 'actpass' });
    expect(fingerprint.text).toMatch(/^CB:42:/);
    const candidates = transport.children.filter((c) => c.name === 'candidate');
    // The offer's two TCP candidates have no place in an ICE-UDP transport.
    expect(candidates.map((c) => c.attrs.protocol)).toEqual(['udp', 'udp']);
    expect(candidates[0].attrs).toMatchObject({ foundation: '3460254290', component: '1', protocol: 'udp', priority: '2122194687',
      ip: '192.0.2.2', port: '46372', type: 'host', generation: '0', network: '1' });
    // The schema types a candidate id as an NCName: no leading digit.
    for (const candidate of candidates) expect(candidate.attrs.id).toMatch(/^[A-Za-z_][\w.-]*$/);
  });

  it('leaves out a payload type whose format parameters have no names (XEP-0167 needs name and value)', () => {
    const audio = child(contents[0], 'description');
    expect(lines(offer, 'a=fmtp:63 ')).toEqual(['a=fmtp:63 111/111']);
    expect(audio.children.filter((c) => c.name === 'payload-type').map((c) => c.attrs.id)).not.toContain('63');
    for (const type of audio.children.filter((c) => c.name === 'payload-type')) {
      for (const parameter of type.children.filter((c) => c.name === 'parameter')) expect(Object.keys(parameter.attrs)).toEqual(['name', 'value']);
    }
  });

  it('drops a header extension whose id another bundled content gave to another URI (aiortc offers them)', () => {
    const ext = (id: string, uri: string): Node => ({ name: 'rtp-hdrext', attrs: { xmlns: NS.hdrext, id, uri }, children: [] });
    const bundled = structuredClone(nodes);
    const [audio, video] = bundled.filter((n) => n.name === 'content').map((c) => child(c, 'description'));
    audio.children = [...audio.children.filter((c) => c.name !== 'rtp-hdrext'), ext('1', 'urn:ietf:params:rtp-hdrext:sdes:mid'), ext('2', 'urn:ietf:params:rtp-hdrext:ssrc-audio-level')];
    video.children = [...video.children.filter((c) => c.name !== 'rtp-hdrext'), ext('1', 'urn:ietf:params:rtp-hdrext:sdes:mid'), ext('2', 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time')];
    expect(lines(jingleToSdp(bundled, 'initiator'), 'a=extmap:')).toEqual(['a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
      'a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid']);
  });

  it('maps the direction to senders by who wrote the SDP, and back', () => {
    const recvonly = offer.replaceAll('a=sendrecv', 'a=recvonly');
    expect((sdpToJingle(recvonly, 'initiator') as Node[]).filter((n) => n.name === 'content').map((c) => c.attrs.senders)).toEqual(['responder', 'responder']);
    const sendonlyAnswer = offer.replaceAll('a=sendrecv', 'a=sendonly');
    const answer = sdpToJingle(sendonlyAnswer, 'responder') as Node[];
    expect(answer.filter((n) => n.name === 'content').map((c) => c.attrs.senders)).toEqual(['responder', 'responder']);
    expect(lines(jingleToSdp(answer, 'responder'), 'a=sendonly')).toHaveLength(2);
    expect(lines(jingleToSdp(answer, 'initiator'), 'a=recvonly')).toHaveLength(2);
  });

  it('comes back to an SDP with the same media, codecs, parameters, transport and sources', () => {
    const back = jingleToSdp(nodes, 'initiator');
    // Less the audio `red` (payload type 63, see above) and the TCP candidates.
    const withoutRed = (line: string) => !/^a=(rtpmap|fmtp|rtcp-fb):63 /.test(line);
    for (const prefix of ['m=', 'a=group:', 'a=mid:', 'a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:', 'a=setup:', 'a=rtpmap:',
      'a=fmtp:', 'a=rtcp-fb:', 'a=extmap:', 'a=ssrc:', 'a=ssrc-group:', 'a=sendrecv', 'a=rtcp-mux']) {
      const expected = lines(offer, prefix).filter(withoutRed).map((line) => line.replace(/^m=(\w+) \d+/, 'm=$1 9').replace(/^(m=audio .*) 63\b/, '$1'));
      expect(lines(back, prefix), prefix).toEqual(expected);
    }
    expect(lines(back, 'a=candidate:')).toEqual(lines(offer, 'a=candidate:').filter((line) => line.includes(' udp '))
      .map((line) => line.replace(/ network-id \d+$/, '')));
    expect(back.endsWith('\r\n')).toBe(true);
  });

  it('converts trickled candidates, server-reflexive and relayed ones with their related address', () => {
    const relay = 'candidate:1 1 udp 41885439 203.0.113.7 50000 typ relay raddr 192.0.2.2 rport 40000 generation 0 ufrag abcd network-id 1';
    const attrs = candidateToJingle(relay);
    expect(attrs).toMatchObject({ type: 'relay', ip: '203.0.113.7', port: '50000', 'rel-addr': '192.0.2.2', 'rel-port': '40000' });
    expect(candidateFromJingle(attrs)).toBe('candidate:1 1 udp 41885439 203.0.113.7 50000 typ relay raddr 192.0.2.2 rport 40000 generation 0');
  });
});
