/**
 * From a room name as people type it in a link (`?channel=Café Zürich`, `my room`,
 * `🎉party`) to the room's address, the same every time, so the same link always reaches the
 * same room. The rules, which must never change (existing links depend on them):
 *
 * 1. The name is NFC-normalised, trimmed, and runs of spaces become one.
 * 2. A [[channels]] room whose title is the name (ignoring case) is that room.
 * 3. Spaces become `-`. If that is a valid localpart (RFC 7622: letters and digits of any
 *    script, most ASCII punctuation), it is the address, case-folded by the JID rules:
 *    `my room` → `my-room`, `Café Zürich` → `café-zürich`, `Lobby` → `lobby`.
 * 4. Otherwise the characters an address cannot hold (emoji, symbols, `@ / : ' " & < >`)
 *    are dropped and a short hash of the case-folded name is added, so that names differing
 *    only in those characters stay apart: `🎉party` → `party-<hash>`, `🎉` → `room-<hash>`.
 *
 * The name as typed is what people see (the room's title); the address is what XMPP apps use.
 */
import crypto from 'node:crypto';
import type { Config } from '../config/types.js';
import { Jid, JidError } from '../jid/jid.js';
import { LIMITS } from '../muc/limits.js';
import { codePoints } from '../muc/validation.js';

/** Characters in a typed room name; the address may be shorter. */
export const ROOM_NAME_MAX_LENGTH = 64;
/** Characters of the readable part of a derived address, leaving room for the hash. */
const SLUG_MAX_LENGTH = 40;
const HASH_LENGTH = 8;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export type RoomAddress = { room: string; name: string } | { problem: string };

// Controls, invisible formatting (zero-width, bidi overrides), line and paragraph
// separators, private-use and unpaired surrogates: none shows as what it is.
const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;

/** The room a typed name stands for, or why the name cannot be used (in plain words). */
export function roomAddress(config: Config, typed: string): RoomAddress {
  const name = typed.normalize('NFC').trim().replace(/\p{Zs}+/gu, ' ');
  if (name === '') return { problem: 'Please choose a room.' };
  const bad = UNSHOWABLE.exec(name);
  if (bad) return { problem: `Room names can’t contain invisible or control characters, and this one has ${describe(bad[0])}. Please type the name again.` };
  if (codePoints(name) > ROOM_NAME_MAX_LENGTH) return { problem: `That room name is too long. Please use at most ${ROOM_NAME_MAX_LENGTH} characters.` };

  const folded = name.toLowerCase();
  const channel = config.channels.find((c) => (c.title || c.name).toLowerCase() === folded);
  if (channel) return { room: channel.name, name };

  const plain = localpart(config, name.replaceAll(' ', '-'));
  if (plain !== null) return { room: plain, name };

  const slug = Array.from(name.replaceAll(' ', '-'))
    .filter((c) => localpart(config, c) !== null)
    .join('')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  const readable = localpart(config, Array.from(slug).slice(0, SLUG_MAX_LENGTH).join('').replace(/-$/, '')) ?? '';
  return { room: `${readable || 'room'}-${shortHash(name.normalize('NFKC').toLowerCase())}`, name };
}

/** The normalised localpart, or null when it is not one (or longer than rooms allow). */
function localpart(config: Config, value: string): string | null {
  try {
    const local = Jid.of(value, config.muc.domain).local!;
    return codePoints(local) <= LIMITS.roomNameLength ? local : null;
  } catch (error) {
    if (error instanceof JidError) return null;
    throw error;
  }
}

function shortHash(value: string): string {
  const digest = crypto.createHash('sha256').update(value).digest();
  let out = '';
  for (let i = 0; i < HASH_LENGTH; i++) out += BASE32[digest[i]! % 32];
  return out;
}

function describe(character: string): string {
  const code = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `U+${code}${NAMES[character] ? ` (${NAMES[character]})` : ''}`;
}

const NAMES: Record<string, string> = {
  '\t': 'a tab', '\n': 'a line break', '\r': 'a line break', '\u200b': 'a zero-width space',
  '\u200e': 'a left-to-right mark', '\u200f': 'a right-to-left mark', '\u202e': 'a right-to-left override',
  '\ufeff': 'a byte order mark', '\u00ad': 'a soft hyphen',
};
