import { createHmac, timingSafeEqual } from 'node:crypto';
import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid } from '../jid/jid.js';
import { NO_REPLY, type StanzaContext } from '../core/host.js';
import type { MucContext } from './context.js';
import type { Room } from './room.js';

/**
 * XEP-0410 MUC self-ping: the room answers for an occupant pinging their own room JID, and
 * says not-acceptable to someone who is not in the room (so their client rejoins). A ping
 * to another occupant goes to that occupant like any iq.
 */
export function selfPing(muc: MucContext, room: Room | undefined, ctx: StanzaContext): null | typeof NO_REPLY {
  const sender = room?.occupantByRealJid(ctx.from);
  if (!room || !sender) throw new StanzaError('cancel', 'not-acceptable', 'you are not in this room');
  if (sender.nick === ctx.to.resource) return null;
  forwardIq(muc, room, ctx);
  return NO_REPLY;
}

/**
 * XEP-0045 §7.5 (iq to an occupant): occupants may query each other through the room without
 * learning real JIDs. The request goes from the asker's room JID, with an id that carries the
 * asker's JID under the room's key, so that only the real answer finds its way back. vCard
 * requests go to the user's server (the bare JID), which answers for the user.
 */
export function forwardIq(muc: MucContext, room: Room, ctx: StanzaContext): void {
  const { stanza, from, to } = ctx;
  const sender = room.occupantByRealJid(from);
  if (!sender) throw new StanzaError('cancel', 'not-acceptable', 'you are not in this room');
  const target = room.occupantByNick(to.resource!);
  if (!target) throw new StanzaError('cancel', 'item-not-found', 'nobody in this room uses that nickname');
  const isVcard = stanza.getChild('vCard', NS.vcard) !== undefined && stanza.attrs.type === 'get';
  const recipient = isVcard ? target.bare : target.primary.jid;
  const forwarded = xml('iq', {
    type: stanza.attrs.type,
    id: sealId(room, from.toString(), stanza.attrs.id ?? '', target.bare.toString()),
    from: room.jid.withResource(sender.nick).toString(),
    to: recipient.toString(),
  });
  forwarded.children = stanza.children;
  if (isVcard) muc.route(forwarded);
  else muc.deliver(recipient, forwarded);
}

/** The answer to a forwarded iq, back to whoever asked, from the answerer's room JID. */
export function returnIqResponse(muc: MucContext, room: Room, ctx: StanzaContext): void {
  const { stanza, from } = ctx;
  const opened = openId(room, stanza.attrs.id ?? '', from.bare().toString());
  if (!opened) return;
  const answerer = room.occupantByRealJid(from) ?? room.occupantsOf(from.bare().toString())[0];
  const asker = tryParseJid(opened.asker);
  if (!answerer || !asker || !room.occupantByRealJid(asker)) return;
  const reply = xml('iq', {
    type: stanza.attrs.type,
    id: opened.id,
    from: room.jid.withResource(answerer.nick).toString(),
    to: asker.toString(),
  });
  reply.children = stanza.children;
  muc.deliver(asker, reply);
}

function sealId(room: Room, asker: string, id: string, answerer: string): string {
  const body = Buffer.from(JSON.stringify([asker, id])).toString('base64url');
  return `${body}.${mac(room, body, answerer).toString('base64url')}`;
}

function openId(room: Room, sealed: string, answerer: string): { asker: string; id: string } | undefined {
  const dot = sealed.indexOf('.');
  if (dot === -1) return undefined;
  const body = sealed.slice(0, dot);
  const given = Buffer.from(sealed.slice(dot + 1), 'base64url');
  const expected = mac(room, body, answerer);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(body, 'base64url').toString());
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') return { asker: value[0], id: value[1] };
  } catch {
    // not one of ours
  }
  return undefined;
}

function mac(room: Room, body: string, answerer: string): Buffer {
  return createHmac('sha256', room.secret).update(`iq\0${body}\0${answerer}`).digest().subarray(0, 16);
}

