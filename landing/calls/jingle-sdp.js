// SDP (what the browser's RTCPeerConnection speaks) to Jingle (what goes over XMPP) and back:
// XEP-0167 RTP descriptions, XEP-0176 ICE-UDP transports with XEP-0320 DTLS fingerprints,
// XEP-0293 RTCP feedback, XEP-0294 header extensions, XEP-0338 BUNDLE groups and XEP-0339
// sources. Elements are plain trees `{ name, attrs, children, text }`, so that this module
// runs (and is tested) without a DOM; webcam.js turns them into stanzas.

export const NS = {
  jingle: 'urn:xmpp:jingle:1',
  rtp: 'urn:xmpp:jingle:apps:rtp:1',
  iceUdp: 'urn:xmpp:jingle:transports:ice-udp:1',
  dtls: 'urn:xmpp:jingle:apps:dtls:0',
  rtcpFb: 'urn:xmpp:jingle:apps:rtp:rtcp-fb:0',
  hdrext: 'urn:xmpp:jingle:apps:rtp:rtp-hdrext:0',
  ssma: 'urn:xmpp:jingle:apps:rtp:ssma:0',
  grouping: 'urn:xmpp:jingle:apps:grouping:0',
};

const el = (name, attrs = {}, children = [], text = undefined) => ({ name, attrs, children, ...(text === undefined ? {} : { text }) });
const childrenNamed = (node, name, xmlns) => (node?.children ?? []).filter((child) => child.name === name
  && (xmlns === undefined || child.attrs.xmlns === xmlns));
const childNamed = (node, name, xmlns) => childrenNamed(node, name, xmlns)[0];

// The SDP direction of the side that wrote it, as Jingle's `senders` (XEP-0166 §7.3), and back.
const SENDERS = {
  initiator: { sendrecv: 'both', sendonly: 'initiator', recvonly: 'responder', inactive: 'none' },
  responder: { sendrecv: 'both', sendonly: 'responder', recvonly: 'initiator', inactive: 'none' },
};
const directionOf = (senders, role) => Object.entries(SENDERS[role]).find(([, value]) => value === senders)?.[0] ?? 'sendrecv';

/** One `a=candidate:` value (without `a=`) as XEP-0176 candidate attributes. */
export function candidateToJingle(line) {
  const parts = line.replace(/^a=/, '').replace(/^candidate:/, '').trim().split(/\s+/);
  const [foundation, component, protocol, priority, ip, port] = parts;
  const attrs = { foundation, component, protocol: protocol.toLowerCase(), priority, ip, port, generation: '0', network: '0',
    // XEP-0176's schema types the id as an NCName, which must not start with a digit.
    id: `c${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}` };
  for (let i = 6; i + 1 < parts.length; i += 2) {
    const [key, value] = [parts[i], parts[i + 1]];
    if (key === 'typ') attrs.type = value;
    else if (key === 'raddr') attrs['rel-addr'] = value;
    else if (key === 'rport') attrs['rel-port'] = value;
    else if (key === 'generation') attrs.generation = value;
    else if (key === 'tcptype') attrs.tcptype = value;
    else if (key === 'network-id') attrs.network = value;
  }
  return attrs;
}

/** XEP-0176 candidate attributes as the `candidate:` value RTCIceCandidate takes. */
export function candidateFromJingle(attrs) {
  let line = `candidate:${attrs.foundation} ${attrs.component} ${attrs.protocol} ${attrs.priority} ${attrs.ip} ${attrs.port} typ ${attrs.type}`;
  if (attrs['rel-addr']) line += ` raddr ${attrs['rel-addr']} rport ${attrs['rel-port']}`;
  if (attrs.tcptype) line += ` tcptype ${attrs.tcptype}`;
  return `${line} generation ${attrs.generation ?? 0}`;
}

/** The SDP split into its session part and its media sections, each a list of lines. */
function sections(sdp) {
  const lines = sdp.split(/\r?\n/).filter(Boolean);
  const result = { session: [], media: [] };
  for (const line of lines) {
    if (line.startsWith('m=')) result.media.push([line]);
    else if (result.media.length) result.media.at(-1).push(line);
    else result.session.push(line);
  }
  return result;
}

const attribute = (lines, name) => lines.find((line) => line.startsWith(`a=${name}:`))?.slice(name.length + 3);
const attributes = (lines, name) => lines.filter((line) => line.startsWith(`a=${name}:`)).map((line) => line.slice(name.length + 3));

/** Whether an `a=candidate:` value is a UDP one: an ICE-UDP transport (XEP-0176) carries nothing else. */
export const isUdpCandidate = (line) => line.replace(/^a=/, '').replace(/^candidate:/, '').trim().split(/\s+/)[2]?.toLowerCase() === 'udp';

function payloadTypes(lines, formats) {
  // XEP-0167 gives every format parameter a name and a value; a payload type whose fmtp has a
  // bare value (Chromium's audio `red`, "111/111") cannot be described, so it is not offered.
  const unnamed = new Set(attributes(lines, 'fmtp').filter((value) => value.slice(value.indexOf(' ') + 1).split(';')
    .some((pair) => pair.trim() && !pair.includes('='))).map((value) => value.slice(0, value.indexOf(' '))));
  const byId = new Map(formats.filter((id) => !unnamed.has(id)).map((id) => [id, el('payload-type', { id })]));
  for (const value of attributes(lines, 'rtpmap')) {
    const [id, codec] = value.split(' ');
    const [name, clockrate, channels] = codec.split('/');
    Object.assign(byId.get(id)?.attrs ?? {}, { name, clockrate, ...(channels ? { channels } : {}) });
  }
  for (const value of attributes(lines, 'fmtp')) {
    const space = value.indexOf(' ');
    const type = byId.get(value.slice(0, space));
    for (const pair of value.slice(space + 1).split(';').map((item) => item.trim()).filter(Boolean)) {
      const equals = pair.indexOf('=');
      type?.children.push(el('parameter', { name: pair.slice(0, equals), value: pair.slice(equals + 1) }));
    }
  }
  const feedback = [];
  for (const value of attributes(lines, 'rtcp-fb')) {
    const [id, type, subtype] = value.split(' ');
    const fb = el('rtcp-fb', { xmlns: NS.rtcpFb, type, ...(subtype ? { subtype } : {}) });
    if (id === '*') feedback.push(fb);
    else byId.get(id)?.children.push(fb);
  }
  return [...byId.values(), ...feedback];
}

function sources(lines) {
  const bySsrc = new Map();
  for (const value of attributes(lines, 'ssrc')) {
    const [, ssrc, name, rest] = value.match(/^(\d+) ([^:]+)(?::(.*))?$/) ?? [];
    if (!ssrc) continue;
    if (!bySsrc.has(ssrc)) bySsrc.set(ssrc, el('source', { xmlns: NS.ssma, ssrc }));
    bySsrc.get(ssrc).children.push(el('parameter', { name, ...(rest === undefined ? {} : { value: rest }) }));
  }
  const groups = attributes(lines, 'ssrc-group').map((value) => {
    const [semantics, ...ssrcs] = value.split(' ');
    return el('ssrc-group', { xmlns: NS.ssma, semantics }, ssrcs.map((ssrc) => el('source', { ssrc })));
  });
  return [...bySsrc.values(), ...groups];
}

function transport(lines, session) {
  const pick = (name) => attribute(lines, name) ?? attribute(session, name);
  const children = [];
  const fingerprint = pick('fingerprint');
  if (fingerprint) {
    const [hash, value] = fingerprint.split(' ');
    children.push(el('fingerprint', { xmlns: NS.dtls, hash, setup: pick('setup') ?? 'actpass' }, [], value));
  }
  for (const candidate of attributes(lines, 'candidate').filter(isUdpCandidate)) children.push(el('candidate', candidateToJingle(candidate)));
  return el('transport', { xmlns: NS.iceUdp, ufrag: pick('ice-ufrag'), pwd: pick('ice-pwd') }, children);
}

/**
 * The contents (and BUNDLE group) of a Jingle element for this SDP. `role`: whether the SDP's
 * author is the session's initiator or responder (it decides each content's `senders`).
 */
export function sdpToJingle(sdp, role) {
  const { session, media } = sections(sdp);
  const nodes = [];
  const bundle = attribute(session, 'group');
  if (bundle) {
    const [semantics, ...names] = bundle.split(' ');
    nodes.push(el('group', { xmlns: NS.grouping, semantics }, names.map((name) => el('content', { name }))));
  }
  for (const lines of media) {
    const [kind, , , ...formats] = lines[0].slice(2).split(' ');
    const direction = ['sendrecv', 'sendonly', 'recvonly', 'inactive'].find((value) => lines.includes(`a=${value}`)) ?? 'sendrecv';
    const description = el('description', { xmlns: NS.rtp, media: kind }, [
      ...payloadTypes(lines, formats),
      ...attributes(lines, 'extmap').map((value) => {
        const [id, uri] = value.split(' ');
        const [number, senders] = id.split('/');
        return el('rtp-hdrext', { xmlns: NS.hdrext, id: number, uri, ...(senders ? { senders } : {}) });
      }),
      ...(lines.includes('a=extmap-allow-mixed') || session.includes('a=extmap-allow-mixed') ? [el('extmap-allow-mixed', { xmlns: NS.hdrext })] : []),
      ...(lines.includes('a=rtcp-mux') ? [el('rtcp-mux')] : []),
      ...sources(lines),
    ]);
    nodes.push(el('content', { creator: 'initiator', name: attribute(lines, 'mid') ?? kind, senders: SENDERS[role][direction] },
      [description, transport(lines, session)]));
  }
  return nodes;
}

function payloadLines(type) {
  const { id, name, clockrate, channels } = type.attrs;
  const lines = [`a=rtpmap:${id} ${name}/${clockrate}${channels && channels !== '1' ? `/${channels}` : ''}`];
  for (const fb of childrenNamed(type, 'rtcp-fb')) lines.push(`a=rtcp-fb:${id} ${fb.attrs.type}${fb.attrs.subtype ? ` ${fb.attrs.subtype}` : ''}`);
  const parameters = childrenNamed(type, 'parameter')
    .map((parameter) => (parameter.attrs.name ? `${parameter.attrs.name}=${parameter.attrs.value}` : parameter.attrs.value));
  if (parameters.length) lines.push(`a=fmtp:${id} ${parameters.join(';')}`);
  return lines;
}

/**
 * `extensionUris`: header extension id -> URI over the bundled contents so far. A peer may give
 * one id to different extensions in different contents (aiortc does: audio-level in audio,
 * abs-send-time in video); browsers refuse such an offer when the contents share a transport,
 * so a later extension that collides is left out (the call works without it).
 */
function mediaLines(content, role, extensionUris) {
  const description = childNamed(content, 'description', NS.rtp);
  const ice = childNamed(content, 'transport', NS.iceUdp);
  const types = childrenNamed(description, 'payload-type');
  const lines = [
    `m=${description.attrs.media} 9 UDP/TLS/RTP/SAVPF ${types.map((type) => type.attrs.id).join(' ')}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${ice.attrs.ufrag}`,
    `a=ice-pwd:${ice.attrs.pwd}`,
    'a=ice-options:trickle',
  ];
  const fingerprint = childNamed(ice, 'fingerprint', NS.dtls);
  if (fingerprint) lines.push(`a=fingerprint:${fingerprint.attrs.hash} ${fingerprint.text}`, `a=setup:${fingerprint.attrs.setup}`);
  lines.push(`a=mid:${content.attrs.name}`);
  for (const ext of childrenNamed(description, 'rtp-hdrext')) {
    if ((extensionUris.get(ext.attrs.id) ?? ext.attrs.uri) !== ext.attrs.uri) continue;
    extensionUris.set(ext.attrs.id, ext.attrs.uri);
    lines.push(`a=extmap:${ext.attrs.id}${ext.attrs.senders ? `/${ext.attrs.senders}` : ''} ${ext.attrs.uri}`);
  }
  if (childNamed(description, 'extmap-allow-mixed')) lines.push('a=extmap-allow-mixed');
  lines.push(`a=${directionOf(content.attrs.senders ?? 'both', role)}`);
  if (childNamed(description, 'rtcp-mux')) lines.push('a=rtcp-mux', 'a=rtcp-rsize');
  for (const type of types) lines.push(...payloadLines(type));
  for (const fb of childrenNamed(description, 'rtcp-fb')) lines.push(`a=rtcp-fb:* ${fb.attrs.type}${fb.attrs.subtype ? ` ${fb.attrs.subtype}` : ''}`);
  for (const group of childrenNamed(description, 'ssrc-group', NS.ssma)) {
    lines.push(`a=ssrc-group:${group.attrs.semantics} ${childrenNamed(group, 'source').map((source) => source.attrs.ssrc).join(' ')}`);
  }
  for (const source of childrenNamed(description, 'source', NS.ssma)) {
    for (const parameter of childrenNamed(source, 'parameter')) {
      lines.push(`a=ssrc:${source.attrs.ssrc} ${parameter.attrs.name}${parameter.attrs.value === undefined ? '' : `:${parameter.attrs.value}`}`);
    }
  }
  for (const candidate of childrenNamed(ice, 'candidate')) lines.push(`a=${candidateFromJingle(candidate.attrs)}`);
  return lines;
}

/**
 * The SDP for a Jingle element's children (its contents and group). `role`: who wrote it,
 * the initiator (an offer) or the responder (an answer).
 */
export function jingleToSdp(nodes, role) {
  const group = nodes.find((node) => node.name === 'group' && node.attrs.xmlns === NS.grouping);
  const lines = ['v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0'];
  if (group) lines.push(`a=group:${group.attrs.semantics} ${childrenNamed(group, 'content').map((content) => content.attrs.name).join(' ')}`);
  lines.push('a=msid-semantic: WMS *');
  const extensionUris = new Map();
  for (const content of nodes.filter((node) => node.name === 'content')) lines.push(...mediaLines(content, role, extensionUris));
  return `${lines.join('\r\n')}\r\n`;
}
