/**
 * A TURN client just big enough to prove a credential (RFC 5766 Allocate over UDP with the
 * long-term credential mechanism of RFC 5389 §10.2): the first Allocate is refused with 401
 * and a realm and nonce, the second carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ALLOCATE_ERROR = 0x0113;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
} as const;
const UDP = 17;

export type AllocateOutcome = { ok: true; relayed: string } | { ok: false; code: number; reason: string };

interface StunMessage {
  type: number;
  transactionId: Buffer;
  attributes: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function header(type: number, length: number, transactionId: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(length, 2);
  head.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(head, 8);
  return head;
}

/** An Allocate request; with a key, MESSAGE-INTEGRITY over everything before it (its own length counted in the header). */
function allocateRequest(attributes: Buffer[], key?: Buffer): Buffer {
  const transactionId = randomBytes(12);
  const body = Buffer.concat(attributes);
  if (!key) return Buffer.concat([header(ALLOCATE, body.length, transactionId), body]);
  const signed = Buffer.concat([header(ALLOCATE, body.length + 24, transactionId), body]);
  const integrity = createHmac('sha1', key).update(signed).digest();
  return Buffer.concat([signed, attribute(ATTR.messageIntegrity, integrity)]);
}

function parse(packet: Buffer): StunMessage {
  const attributes = new Map<number, Buffer>();
  const length = packet.readUInt16BE(2);
  let offset = 20;
  while (offset + 4 <= 20 + length) {
    const type = packet.readUInt16BE(offset);
    const size = packet.readUInt16BE(offset + 2);
    if (!attributes.has(type)) attributes.set(type, packet.subarray(offset + 4, offset + 4 + size));
    offset += 4 + Math.ceil(size / 4) * 4;
  }
  return { type: packet.readUInt16BE(0), transactionId: packet.subarray(8, 20), attributes };
}

function request(socket: dgram.Socket, port: number, packet: Buffer, timeoutMs: number): Promise<StunMessage> {
  return new Promise((resolve, reject) => {
    const id = packet.subarray(8, 20);
    const onMessage = (reply: Buffer): void => {
      if (reply.length < 20 || !reply.subarray(8, 20).equals(id)) return;
      clearInterval(resend);
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(parse(reply));
    };
    socket.on('message', onMessage);
    // UDP: send again until answered.
    const send = (): void => socket.send(packet, port, '127.0.0.1');
    send();
    const resend = setInterval(send, 250);
    const timer = setTimeout(() => {
      clearInterval(resend);
      socket.off('message', onMessage);
      reject(new Error('the TURN server did not answer'));
    }, timeoutMs);
  });
}

function errorOf(message: StunMessage): { code: number; reason: string } {
  const value = message.attributes.get(ATTR.errorCode);
  if (!value) return { code: 0, reason: 'no ERROR-CODE' };
  return { code: (value[2]! & 0x7) * 100 + value[3]!, reason: value.subarray(4).toString('utf8') };
}

function xorRelayedAddress(value: Buffer): string {
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = (value.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return `${address >>> 24}.${(address >>> 16) & 255}.${(address >>> 8) & 255}.${address & 255}:${port}`;
}

/** Allocates a UDP relay on the TURN server at 127.0.0.1:port with these credentials. */
export async function turnAllocate(port: number, username: string, password: string, timeoutMs = 5_000): Promise<AllocateOutcome> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const transport = attribute(ATTR.requestedTransport, Buffer.from([UDP, 0, 0, 0]));
    const challenge = await request(socket, port, allocateRequest([transport]), timeoutMs);
    if (challenge.type !== ALLOCATE_ERROR || errorOf(challenge).code !== 401) throw new Error(`expected a 401 challenge, got type ${challenge.type}`);
    const realm = challenge.attributes.get(ATTR.realm)!;
    const nonce = challenge.attributes.get(ATTR.nonce)!;
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${password}`).digest();
    const answer = await request(socket, port, allocateRequest([
      transport,
      attribute(ATTR.username, Buffer.from(username, 'utf8')),
      attribute(ATTR.realm, realm),
      attribute(ATTR.nonce, nonce),
    ], key), timeoutMs);
    if (answer.type === ALLOCATE_SUCCESS) {
      const relayed = answer.attributes.get(ATTR.xorRelayedAddress);
      return { ok: true, relayed: relayed ? xorRelayedAddress(relayed) : '' };
    }
    return { ok: false, ...errorOf(answer) };
  } finally {
    socket.close();
  }
}
