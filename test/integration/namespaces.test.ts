import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { NS_STREAM, RawXmpp, signIn } from '../helpers/raw-xmpp.js';
import { signInOverWebSocket } from '../helpers/web.js';
import { childrenIn, expandNamespaces, type ExpandedElement } from '../helpers/strict-xml.js';

/**
 * Whatever prefixes a sender uses, what the server sends on is namespace-well-formed XML
 * with the same meaning: a strict namespace-aware reader on the receiving side gets the same
 * element and attribute namespaces the sender wrote, in a direct message, over WebSocket, in
 * a room's broadcast and in the room's history.
 */

const ROOM = 'nsroom@conference.localhost';
const CLIENT = 'jabber:client';
const MUC = 'http://jabber.org/protocol/muc';

/** The sender's stream header declares this prefix; its stanzas use it without declaring it. */
const STREAM_PREFIX = { 'xmlns:s': 'urn:example:s' };
const SENDER_CONTEXT = { '': CLIENT, stream: NS_STREAM, s: 'urn:example:s' };
const RECEIVER_CONTEXT = { '': CLIENT, stream: NS_STREAM };

/** Prefixed payloads: declared on the stanza, nested, on attributes, redeclared, from the stream header, jabber:client itself. */
const STANZA_PREFIX = "xmlns:x='urn:example:x'";
const PAYLOAD = [
  "<body>prefixes</body>",
  "<x:foo x:attr='1' plain='2'><x:bar>deep</x:bar><baz/></x:foo>",
  "<y:outer xmlns:y='urn:example:y' y:a='outer'><y:inner xmlns:y='urn:example:y2' y:a='inner'/></y:outer>",
  "<z xmlns='urn:example:z' xmlns:a='urn:example:a' a:flag='on'><a:deep><a:deeper a:k='v'>text</a:deeper></a:deep><plain/></z>",
  "<s:from-stream s:k='v'><s:child/></s:from-stream>",
  "<q:thread xmlns:q='jabber:client'>t1</q:thread>",
].join('');

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ channels: [{ name: 'nsroom', title: 'Namespaces' }] });
});
afterAll(() => server?.stop());

/** A guest whose final stream header declares STREAM_PREFIX. */
async function prefixedSender(): Promise<RawXmpp> {
  const raw = await RawXmpp.connect({ port: server.c2sPort });
  await raw.open({ to: 'anon.localhost' });
  raw.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
  await raw.next('success');
  await raw.open({ to: 'anon.localhost', ...STREAM_PREFIX });
  await raw.bind();
  return raw;
}

/** The stanza's child elements as the sender meant them. */
function sentChildren(stanza: string): ExpandedElement[] {
  return expandNamespaces(stanza, SENDER_CONTEXT).children.filter((child): child is ExpandedElement => typeof child !== 'string');
}

/** The text of the first complete <message/> received (after `from`) that contains `marker`. */
async function receivedMessage(raw: RawXmpp, marker: string): Promise<string> {
  const match = await raw.waitFor(new RegExp(`<message\\b(?:(?!</message>)[\\s\\S])*${marker}[\\s\\S]*?</message>`));
  return match[0];
}

async function joinRoom(raw: RawXmpp, nick: string): Promise<void> {
  raw.write(`<presence to='${ROOM}/${nick}'><x xmlns='${MUC}'/></presence>`);
  await raw.waitFor(new RegExp(`<presence[^>]*from="${ROOM}/${nick}"[\\s\\S]*?code="110"`));
}

function expectSameNamespaces(received: ExpandedElement, sent: ExpandedElement[]): void {
  for (const child of sent) expect(received.children).toContainEqual(child);
}

describe('prefixed payloads reach every recipient namespace-well-formed', () => {
  it('a direct message to a TCP client and to a WebSocket client', async () => {
    const sender = await prefixedSender();
    const { raw: tcpReceiver, jid: tcpJid } = await signIn({ port: server.c2sPort });
    const { ws: wsReceiver, jid: wsJid } = await signInOverWebSocket(server.httpPort);

    const toTcp = `<message to='${tcpJid}' type='chat' id='ns-tcp' ${STANZA_PREFIX}>${PAYLOAD}</message>`;
    sender.write(toTcp);
    const atTcp = expandNamespaces(await receivedMessage(tcpReceiver, 'ns-tcp'), RECEIVER_CONTEXT);
    expect(atTcp.name).toBe(`{${CLIENT}}message`);
    expectSameNamespaces(atTcp, sentChildren(toTcp));

    const toWs = `<message to='${wsJid}' type='chat' id='ns-ws' ${STANZA_PREFIX}>${PAYLOAD}</message>`;
    sender.write(toWs);
    // A WebSocket frame is a document of its own: no context at all.
    const atWs = expandNamespaces(await wsReceiver.waitFor((frame) => frame.includes('ns-ws')));
    expect(atWs.name).toBe(`{${CLIENT}}message`);
    expectSameNamespaces(atWs, sentChildren(toWs));

    sender.destroy();
    tcpReceiver.destroy();
    wsReceiver.ws.close();
  });

  it('a room message, live to an occupant and as history to a later joiner', async () => {
    const sender = await prefixedSender();
    const { raw: occupant } = await signIn({ port: server.c2sPort });
    await joinRoom(sender, 'writer');
    await joinRoom(occupant, 'reader');

    const stanza = `<message to='${ROOM}' type='groupchat' id='ns-room' ${STANZA_PREFIX}>${PAYLOAD}</message>`;
    sender.write(stanza);
    const live = expandNamespaces(await receivedMessage(occupant, 'ns-room'), RECEIVER_CONTEXT);
    expectSameNamespaces(live, sentChildren(stanza));
    // The room's own additions are in their namespaces too.
    expect(childrenIn(live, 'urn:xmpp:sid:0')).toHaveLength(1);

    const { raw: later } = await signIn({ port: server.c2sPort });
    await joinRoom(later, 'later');
    const history = expandNamespaces(await receivedMessage(later, 'urn:example:x'), RECEIVER_CONTEXT);
    expectSameNamespaces(history, sentChildren(stanza));
    expect(childrenIn(history, 'urn:xmpp:delay')).toHaveLength(1);

    for (const raw of [sender, occupant, later]) raw.destroy();
  });
});
