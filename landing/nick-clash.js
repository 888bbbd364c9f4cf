// A Converse plugin: renaming oneself (the room menu, or /nick) to a nickname the room refuses
// keeps the chat and says why in it. Converse 14 answers a refused rename by swapping the
// whole chat for its "choose your nickname" screen (conflict) or a "you left" notice
// (not-acceptable, not-allowed), although the room kept the guest in under the old name; the
// first join is left to Converse (landing.js turns it into the form's message). The menu's
// rename form (rename-form.js) hears of the refusal first and shows it under its field; the
// chat says it only when nobody did (a /nick).

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
// The room's application-specific conditions (server/muc/nick-refusal.ts): why a name is kept.
const NS_NICK_REFUSAL = 'urn:palaver:nick:0';
/** The room's event for a refused rename: `{ wanted, message, shown }`; a listener that shows the message sets `shown`. */
export const RENAME_REFUSED = 'palaver:rename-refused';

/**
 * Why the room refused a nickname, from the error's condition elements (never its text,
 * which is worded for people and may change): the room's own condition when it gave one
 * ('account-name', 'reserved', 'used-by-room'), else the RFC 6120 condition ('conflict', 'not-acceptable',
 * 'not-allowed', ...).
 */
export function refusalReason(error) {
  const conditions = Array.from(error?.children ?? []);
  const own = conditions.find((child) => child.namespaceURI === NS_NICK_REFUSAL);
  if (own) return own.localName;
  const defined = conditions.find((child) => child.namespaceURI === NS_STANZAS && child.localName !== 'text');
  return defined?.localName ?? 'undefined-condition';
}

/** The sentence shown in the chat for a refused rename; exported for the page's wording tests. */
export function renameRefusedMessage(reason, wanted, current) {
  const still = `You are still “${current}”.`;
  switch (reason) {
    case 'account-name': return `The name “${wanted}” belongs to someone with an account on this server. ${still}`;
    case 'reserved': return `The name “${wanted}” is reserved in this room. ${still}`;
    case 'used-by-room': return `The name “${wanted}” is used by the room for its welcome message. ${still}`;
    case 'conflict': return `That name is taken: someone in this room is already called “${wanted}”. ${still}`;
    case 'not-acceptable': return `You cannot use the name “${wanted}” here. ${still}`;
    case 'not-allowed':
    case 'forbidden': return `You are not allowed to change your name in this room. ${still}`;
    default: return `Your name could not be changed to “${wanted}”. ${still}`;
  }
}

export function nickClashPlugin(converse) {
  return {
    initialize() {
      const { exports } = this._converse;
      const { ROOMSTATUS } = converse;
      const onErrorPresence = exports.MUC.prototype.onErrorPresence;
      exports.MUC.prototype.onErrorPresence = function (presence) {
        const wanted = presence.getAttribute('from').split('/').slice(1).join('/');
        const renaming = this.session.get('connection_status') === ROOMSTATUS.ENTERED && wanted !== this.get('nick');
        if (!renaming) return onErrorPresence.call(this, presence);
        const reason = refusalReason(presence.querySelector('error'));
        const refusal = { wanted, message: renameRefusedMessage(reason, wanted, this.get('nick')), shown: false };
        this.trigger(RENAME_REFUSED, refusal);
        if (!refusal.shown) this.createMessage({ type: 'error', message: refusal.message, is_ephemeral: false });
      };
    },
  };
}
