// A Converse plugin: whoever may remove people from the room (a moderator: the host who made
// it, or whom the host made one) finds "Remove from the room" in each person's menu in the
// participant list. Converse offers it only as the /kick command, and the page is for people
// who never typed one. The room decides (XEP-0045 §8.2): a refusal shows in the chat.

import { closeMenuOf } from './room-menu.js';

export function moderationPlugin({ roomJid }) {
  return {
    initialize() {
      const { api } = this._converse;
      let muc = null;
      api.listen.on('chatRoomInitialized', (room) => {
        if (room.get('jid') === roomJid) muc = room;
      });
      api.listen.on('getOccupantActionButtons', (occupant, buttons) => {
        if (!muc || !mayRemove(muc.getOwnOccupant(), occupant)) return buttons;
        const nick = occupant.get('nick');
        const remove = (event) => {
          closeMenuOf(event);
          if (!window.confirm(`Remove ${nick} from the room? They can come back unless the room is closed to them.`)) return;
          muc.setRole(occupant, 'none', undefined, undefined, (error) => muc.onCommandError(error));
        };
        return [...buttons, { i18n_text: 'Remove from the room', handler: remove, button_class: 'palaver-remove', icon_class: 'fa fa-sign-out-alt', name: 'remove' }];
      });
    },
  };
}

/** A moderator may remove anyone present who is not a moderator too (XEP-0045 §8.2). */
function mayRemove(own, occupant) {
  return own?.get('role') === 'moderator'
    && occupant !== own
    && occupant.get('role') !== 'moderator'
    && occupant.get('presence') !== 'offline';
}
