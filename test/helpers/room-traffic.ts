/**
 * Guests that talk fast in a room over raw TCP (no client library between the bytes and the
 * test), and a reader of a room's whole archive over MAM: for tests that compare what
 * clients received with what the server kept.
 */
import { parse, type Element } from 'ltx';
import { RawXmpp } from './raw-xmpp.js';
import { connectClient, xml, type XmppClient } from './clients.js';

const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_SID = 'urn:xmpp:sid:0';
const NS_MAM = 'urn:xmpp:mam:2';
const NS_RSM = 'http://jabber.org/protocol/rsm';
const MESSAGE = /<message\b[^>]*>[\s\S]*?<\/message>/g;

export class RoomGuest {
  private sent = 0;
  private pings = 0;
  private scanned = 0;
  /** Client id → stanza-id of this guest's own messages as the room reflected them. */
  readonly reflected = new Map<string, string>();
  /** Stanza-ids of every groupchat message received (anyone's). */
  readonly received = new Set<string>();
  /** Client ids of this guest's messages the room answered with an error, and the condition. */
  readonly refused = new Map<string, string>();

  /** `raw` is the connection, for stanzas this class has no method for; `jid` the bound JID. */
  private constructor(readonly raw: RawXmpp, readonly jid: string, readonly room: string, readonly nick: string) {}

  /** A guest signed in over TCP from `localAddress` (default 127.0.0.1) and in `room` as `nick`, without history. */
  static async join(port: number, room: string, nick: string, localAddress?: string): Promise<RoomGuest> {
    const raw = await RawXmpp.connect({ port, localAddress });
    await raw.open({ to: 'anon.localhost' });
    await raw.authAnonymous();
    const jid = await raw.bind();
    raw.write(`<presence to='${room}/${nick}'><x xmlns='${NS_MUC}'><history maxstanzas='0'/></x></presence>`);
    await raw.waitFor(/<status code=["']110["']\/>/, { timeoutMs: 10_000 });
    return new RoomGuest(raw, jid, room, nick);
  }

  get sentCount(): number {
    return this.sent;
  }

  get isOpen(): boolean {
    return this.raw.isOpen;
  }

  /** Resolves once the connection is closed by either side. */
  get closed(): Promise<void> {
    return this.raw.closed;
  }

  /** Writes `count` messages in one write (client ids `<nick>-<n>`). */
  send(count: number, body = (id: string) => `message ${id}`): void {
    let batch = '';
    for (let i = 0; i < count; i++) {
      const id = `${this.nick}-${++this.sent}`;
      batch += `<message to='${this.room}' type='groupchat' id='${id}'><body>${body(id)}</body></message>`;
    }
    this.raw.write(batch);
  }

  /** Reads the complete messages received since the last call into reflected / received / refused. */
  scan(): void {
    const text = this.raw.received;
    MESSAGE.lastIndex = this.scanned;
    for (let match = MESSAGE.exec(text); match; match = MESSAGE.exec(text)) {
      this.scanned = MESSAGE.lastIndex;
      const message = parse(match[0]) as Element;
      const id = message.attrs.id as string | undefined;
      if (message.attrs.type === 'error') {
        const condition = message.getChild('error')?.children.find((child): child is Element => typeof child !== 'string' && child.name !== 'text');
        if (id) this.refused.set(id, condition?.name ?? 'unknown');
        continue;
      }
      const stanzaId = message.getChild('stanza-id', NS_SID)?.attrs.id as string | undefined;
      if (message.attrs.type !== 'groupchat' || !stanzaId) continue;
      this.received.add(stanzaId);
      if (message.attrs.from === `${this.room}/${this.nick}` && id) this.reflected.set(id, stanzaId);
    }
  }

  /** Resolves once every message sent so far was reflected or refused. */
  async settle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (this.scan(); this.reflected.size + this.refused.size < this.sent; this.scan()) {
      if (Date.now() > deadline) throw new Error(`${this.nick}: ${this.sent} sent, ${this.reflected.size} reflected, ${this.refused.size} refused`);
      await this.raw.quietFor(20);
    }
  }

  /**
   * A ping round trip on this guest's own connection: once it is answered, the server has
   * handled everything sent to this guest before it (a marker for negative checks).
   */
  async ping(): Promise<void> {
    const id = `ping-${++this.pings}`;
    this.raw.write(`<iq type='get' id='${id}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
    await this.raw.waitFor(new RegExp(`<iq [^>]*id=["']${id}["'][^>]*type=["']result["']|<iq [^>]*type=["']result["'][^>]*id=["']${id}["']`));
    this.scan();
  }

  close(): void {
    if (this.raw.isOpen) this.raw.write('</stream:stream>');
  }
}

/** Every stanza-id in a room's archive, read over MAM by a guest, 100 a page. */
export async function archivedIds(port: number, room: string): Promise<Set<string>> {
  const client = await connectClient({ port });
  try {
    return await pageThrough(client, room);
  } finally {
    await client.stop().catch(() => {});
  }
}

async function pageThrough(client: XmppClient, room: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const queryid = `all-${page}`;
    const found: string[] = [];
    const collect = (stanza: Element) => {
      const result = stanza.getChild('result', NS_MAM);
      if (stanza.is('message') && result?.attrs.queryid === queryid) found.push(result.attrs.id as string);
    };
    client.on('stanza', collect);
    let fin: Element;
    try {
      const reply = await client.iqCaller.request(xml('iq', { type: 'set', to: room },
        xml('query', { xmlns: NS_MAM, queryid },
          xml('set', { xmlns: NS_RSM }, xml('max', {}, '100'), after !== undefined && xml('after', {}, after)))), 10_000);
      fin = reply.getChild('fin', NS_MAM);
    } finally {
      client.removeListener('stanza', collect);
    }
    for (const id of found) ids.add(id);
    after = fin.getChild('set', NS_RSM)?.getChildText('last') ?? undefined;
    if (fin.attrs.complete === 'true' || after === undefined) return ids;
  }
  throw new Error('the archive did not end within 1000 pages');
}
