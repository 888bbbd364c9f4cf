import { StanzaError } from '../../xml/errors.js';
import type { Jid } from '../../jid/jid.js';
import { accountNameHolder } from '../account-names.js';
import type { MucService } from '../service.js';
import type { RoomFeature } from './feature.js';

/** The text of the refusal; the guest page shows it inline (landing/nick-clash.js). */
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
    throw new StanzaError('cancel', 'conflict', ACCOUNT_NAME_TEXT);
  }
}
