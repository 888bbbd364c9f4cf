import type { Jid } from '../../jid/jid.js';
import { accountNameHolder } from '../account-names.js';
import { accountName } from '../nick-refusal.js';
import type { MucService } from '../service.js';
import type { RoomFeature } from './feature.js';

/** The text of the refusal (the guest page words its own, from the condition: landing/nick-clash.js). */
export const ACCOUNT_NAME_TEXT = 'this nickname belongs to a registered user of this server';

/**
 * [muc].reserve_account_names: a nickname that is an account's username is kept for that
 * account in every room (as a nickname registered in the room is, XEP-0045 §7.10), so a
 * guest called alice cannot make alice@domain join as alice_. The account itself, from any
 * of its clients, may use it.
 */
export const accountNames: RoomFeature = {
  name: 'account-names',
  install(service) {
    service.events.on('pre-join', ({ from, nick }) => checkAccountName(service, from, nick));
    service.events.on('nick-change', ({ occupant, nick }) => checkAccountName(service, occupant.bare, nick));
  },
};

function checkAccountName(service: MucService, from: Jid, nick: string): void {
  const holder = accountNameHolder(service.server, nick);
  if (holder !== undefined && holder !== from.bare().toString()) {
    throw accountName(ACCOUNT_NAME_TEXT);
  }
}
