/**
 * GET /api/rooms/:room/nick-available?nick=…  →  {"available": true}
 *                                              or {"available": false, "reason": "taken" | "reserved" | "invalid", "message"?: "…"}
 * Lets the landing page tell a guest "that nickname is taken" on the form, before Converse
 * starts. It answers yes or no for one nickname, which anyone can learn by trying to join
 * an open room; it never lists occupants. Rooms that keep strangers out (members-only, with
 * a password, or unlisted) always answer "available", so the endpoint tells nothing about
 * who is in them: there the room's own refusal sends the guest back to the form instead.
 * A guest whose address is banned from the room is answered "available" too: the ban keeps
 * them from learning who is inside, and the room's refusal tells them why. With
 * [muc].reserve_account_names an account's username is "reserved" in every room: that tells
 * no more than joining any room under it would. In a [[channels]] room with a welcome, the
 * welcome's nickname is "reserved" too: the config says so, whoever is in the room.
 * On a cluster only the node serving the room knows its occupants: the node that got the
 * request asks them all (core/room-questions.ts), with the guest's network token instead
 * of the address; the serving node answers. A room served nowhere has no occupants, and the
 * answering node's copy of the stored room decides (reserved nicknames).
 * Each answer tells whether a name is in use or belongs to an account, so the answers are
 * counted per client network ([access].nick_checks_per_minute, over the cluster when there
 * is one); past the limit the answer is 429 with Retry-After, which the page takes as "cannot
 * ask" and lets the room judge the nickname.
 */
import type { RequestHandler } from 'express';
import type { ServerContext } from '../core/context.js';
import { accountNameHolder } from '../muc/account-names.js';
import { isWelcomeNick } from '../muc/channel-welcome-nick.js';
import { isAddressBanned, isNetworkBanned, networkToken } from '../muc/address-ban.js';
import { MUC, type MucService } from '../muc/service.js';
import type { Room } from '../muc/room.js';
import { roomQuestions, type RoomQuestions } from '../core/room-questions.js';
import { admittedClient } from '../access/admission.js';
import type { AccessControl } from '../access/control.js';
import { checkNick, nickMessage, normaliseChannel, WELCOME_NICK_MESSAGE } from './landing-page.js';

/** A guest never signs in as an account holder, so an account's name is refused in every room. */
const RESERVED_MESSAGE = 'That name belongs to someone with an account on this server. Please pick a different nickname.';

export type NickAvailability =
  | { available: true }
  | { available: false; reason: 'taken' | 'reserved' | 'invalid'; message?: string };

/** Asked of every node of a cluster: `[room, nick, network token]`. */
const NICK_IN_USE = 'muc/nick-in-use';

/** The window is one minute; a client told to come back later gets the whole of it. */
const RETRY_AFTER_SECONDS = 60;

/** What the handler asks of access control. */
export type NickCheckCounter = Pick<AccessControl, 'takeNickCheck'>;

export function nickAvailableHandler(ctx: ServerContext, access: NickCheckCounter): RequestHandler {
  const questions = roomQuestions(ctx.services);
  questions.answer(NICK_IN_USE, ([room, nick, token]) => {
    const service = ctx.services.find(MUC, ctx.config.muc.domain);
    if (!service || room === undefined || nick === undefined || token === undefined) return null;
    if (!questions.serves(service.host.name, room)) return null;
    return refusesNick(service, room, nick, (existing) => isNetworkBanned(service.addressSecret, existing, token));
  });
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const { address } = admittedClient(res);
    if (!access.takeNickCheck(address)) {
      res.status(429).setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      res.type('text/plain').send('Too many nickname checks from your network; try again in a minute.\n');
      return;
    }
    const room = normaliseChannel(ctx.config, String(req.params.room ?? ''));
    const nickParam = typeof req.query.nick === 'string' ? req.query.nick : '';
    if (room === null) {
      res.status(400).json({ available: false, reason: 'invalid', message: 'That room name can’t be used.' } satisfies NickAvailability);
      return;
    }
    const checked = checkNick(ctx.config, room, nickParam);
    if ('problem' in checked) {
      res.json({ available: false, reason: 'invalid', message: nickMessage(checked.problem) } satisfies NickAvailability);
      return;
    }
    if (isWelcomeNick(ctx.config, room, checked.nick)) {
      res.json({ available: false, reason: 'reserved', message: WELCOME_NICK_MESSAGE } satisfies NickAvailability);
      return;
    }
    if (accountNameHolder(ctx, checked.nick) !== undefined) {
      res.json({ available: false, reason: 'reserved', message: RESERVED_MESSAGE } satisfies NickAvailability);
      return;
    }
    const taken = await isNickInUse(ctx, questions, room, checked.nick, address);
    res.json((taken ? { available: false, reason: 'taken' } : { available: true }) satisfies NickAvailability);
  };
}

/**
 * Whether a guest at this address joining this open room now would be refused this nickname,
 * asked of the node that serves the room when this one does not.
 */
async function isNickInUse(ctx: ServerContext, questions: RoomQuestions, room: string, nick: string, address: string): Promise<boolean> {
  const service = ctx.services.find(MUC, ctx.config.muc.domain);
  if (!service) return false;
  if (!questions.clustered || questions.serves(service.host.name, room)) {
    return refusesNick(service, room, nick, (existing) => isAddressBanned(service.addressSecret, existing, address));
  }
  const answer = await questions.ask(NICK_IN_USE, [room, nick, networkToken(service.addressSecret, address)]);
  // Served nowhere (or nobody answered in time): no occupants; the stored room's reservations decide.
  return answer ?? refusesNick(service, room, nick, (existing) => isAddressBanned(service.addressSecret, existing, address));
}

/**
 * Whether the room, as this node has it, refuses the nickname to a guest: an occupant uses it
 * or one the room takes for the same (case, width, look-alike letters: muc/nick-key.ts), or a
 * member reserved it. A room that does not exist yet has every nickname free; a room that keeps
 * strangers out, or has banned the guest, tells nothing.
 */
function refusesNick(service: MucService, room: string, nick: string, banned: (room: Room) => boolean): boolean {
  const existing = service.getRoom(room);
  if (!existing || !existing.config.public || existing.config.membersOnly || existing.config.password !== '') return false;
  if (banned(existing)) return false;
  return existing.occupantWithNickLike(nick) !== undefined || existing.nickHolder(nick) !== undefined;
}
