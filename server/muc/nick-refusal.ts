import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';

/**
 * Why a nickname is refused, for clients to word it: XEP-0045 answers every refused nickname
 * with `conflict`, whether someone uses it now or it is kept for someone, so the kept ones
 * carry an application-specific condition too (RFC 6120 §8.3.2). The guest page
 * (landing/nick-clash.js) picks its sentence from these elements, never from the text.
 */
export const NS_NICK_REFUSAL = 'urn:palaver:nick:0';

/** The nickname is registered in this room by someone else (XEP-0045 §7.10). */
export function reservedInRoom(text = 'this nickname is reserved'): StanzaError {
  return new StanzaError('cancel', 'conflict', text, xml('reserved', { xmlns: NS_NICK_REFUSAL }));
}

/** The nickname is an account's username, kept for it in every room ([muc].reserve_account_names). */
export function accountName(text: string): StanzaError {
  return new StanzaError('cancel', 'conflict', text, xml('account-name', { xmlns: NS_NICK_REFUSAL }));
}

/** The room speaks under this nickname itself (a channel's welcome: channel-welcome-nick.ts). */
export function usedByRoom(text: string): StanzaError {
  return new StanzaError('cancel', 'conflict', text, xml('used-by-room', { xmlns: NS_NICK_REFUSAL }));
}
