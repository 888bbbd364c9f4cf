import type { Config } from '../config/types.js';
import { nickKeys } from './nick-key.js';

/**
 * The nickname a [[channels]] room's welcome comes from (features/channel-welcome.ts). A
 * message from the bare room JID makes Gajim 1.7.3 throw (it looks the author up by the empty
 * resource), so the welcome needs an author; nobody sits in the room under this name.
 */
export const WELCOME_NICK = 'Welcome';

/** Why the room and the guest page refuse it to people. */
export const WELCOME_NICK_TEXT = 'that name is used by the room';

/** The welcome text of this room, or '' when the room is not a channel with one. */
export function channelWelcomeText(config: Config, room: string): string {
  return config.channels.find((channel) => channel.name === room)?.welcome ?? '';
}

/**
 * Whether a person asking for this nickname in this room would pass for the welcome's author:
 * the same name as the room compares names (case, width, look-alike letters: nick-key.ts),
 * in a channel that has a welcome. Elsewhere the name is free.
 */
export function isWelcomeNick(config: Config, room: string, nick: string): boolean {
  if (channelWelcomeText(config, room) === '') return false;
  const reserved = new Set(nickKeys(WELCOME_NICK));
  return nickKeys(nick).some((key) => reserved.has(key));
}
