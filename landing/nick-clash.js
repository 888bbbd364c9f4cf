// A Converse plugin: renaming oneself (the room menu, or /nick) to a nickname someone else
// uses keeps the chat and says so in it. Converse 14 answers the room's "conflict" by
// swapping the whole chat for its "choose your nickname" screen, although the room kept the
// guest in under the old name; the first join is left to Converse (landing.js turns it into
// the form's message).

/**
 * The sentence shown in the chat; exported for the page's wording tests. The room's own text
 * says whether the name is someone's reserved name (muc/features/account-names.ts, a nickname
 * registered in the room) rather than one in use now.
 */
export function nameTakenMessage(wanted, current, serverText = '') {
  if (/registered user/.test(serverText)) {
    return `The name “${wanted}” belongs to someone with an account on this server. You are still “${current}”.`;
  }
  if (/reserved/.test(serverText)) {
    return `The name “${wanted}” is reserved in this room. You are still “${current}”.`;
  }
  return `That name is taken: someone in this room is already called “${wanted}”. You are still “${current}”.`;
}

export function nickClashPlugin(converse) {
  return {
    initialize() {
      const { exports } = this._converse;
      const { ROOMSTATUS } = converse;
      const onNicknameClash = exports.MUC.prototype.onNicknameClash;
      exports.MUC.prototype.onNicknameClash = function (presence) {
        if (this.session.get('connection_status') !== ROOMSTATUS.ENTERED) {
          return onNicknameClash.call(this, presence);
        }
        const wanted = presence.getAttribute('from').split('/').slice(1).join('/');
        const serverText = presence.querySelector('error > text')?.textContent ?? '';
        this.createMessage({ type: 'error', message: nameTakenMessage(wanted, this.get('nick'), serverText), is_ephemeral: false });
      };
    },
  };
}
