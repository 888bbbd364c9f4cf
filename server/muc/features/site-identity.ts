import { SITE_IDENTITY } from '../../core/site-identity.js';
import type { Session } from '../../core/session.js';
import { StanzaError } from '../../xml/errors.js';
import type { RoomFeature } from './feature.js';

/**
 * Guests a site signed in with a token ([auth.jwt]): the token's nickname is theirs in every
 * room, and no other (the site vouches for the name, so the guest cannot hide behind
 * another); an operator (`op`) is a moderator in every room they join.
 */
export const siteIdentity: RoomFeature = {
  name: 'site-identity',
  install({ events }) {
    events.on('pre-join', ({ session, nick }) => checkLockedNick(session, nick));
    events.on('nick-change', ({ session, nick }) => checkLockedNick(session, nick));
    events.on('join-role', (joiner) => {
      const operator = joiner.session.get(SITE_IDENTITY)?.operator === true;
      if (operator && (joiner.role === 'participant' || joiner.role === 'visitor')) joiner.role = 'moderator';
    });
  },
};

function checkLockedNick(session: Session, nick: string): void {
  const identity = session.get(SITE_IDENTITY);
  if (identity && identity.nick !== nick) {
    throw new StanzaError('cancel', 'not-acceptable', `you signed in from your site as “${identity.nick}”: that is your nickname in every room`);
  }
}
