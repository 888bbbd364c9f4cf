// A Converse plugin: the room's menu as a guest meets it. It keeps only what a guest can use:
// Converse's own items are for people who know XMPP (the room's details, configuration,
// moderator tools, destroying it; /kick and the other commands still work), so only the
// topic's Show/Hide stays. It adds "Change your name" (rename-form.js), "Show who is here"
// (the participant list, which takes the whole screen on a phone and is hidden there at
// first), "Invite people" (invite-card.js) and "Leave the room" (Converse hides its own Leave
// in a one-room page). Whoever has just made the room by opening its link is shown the link
// to share at once.

import { showInviteCard } from './invite-card.js';
import { showRenameForm } from './rename-form.js';

// Converse's items a guest keeps (by their `name`); the page's own are named `palaver-…`.
const CONVERSE_ITEMS_KEPT = ['toggle-topic'];
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
// XEP-0045 §10.1.1: the self-presence of whoever created the room.
const ROOM_CREATED = '201';

const kept = (button) => button.name?.startsWith('palaver-') || CONVERSE_ITEMS_KEPT.includes(button.name);

export function roomMenuPlugin(converse, { roomJid, leave }) {
  return {
    initialize() {
      const { api } = this._converse;
      api.listen.on('getHeadingButtons', (view, buttons) => {
        const muc = view.model;
        if (muc?.get('jid') !== roomJid) return buttons;
        const listHidden = Boolean(muc.get('hidden_occupants'));
        return [
          ...buttons.filter(kept),
          menuItem('palaver-rename', 'Change your name', 'Choose the name others see you by', 'fa-pencil-alt', () => showRenameForm(muc)),
          menuItem('palaver-who', listHidden ? 'Show who is here' : 'Hide who is here',
            listHidden ? 'Show the people in this room' : 'Hide the list of people in this room', 'fa-users',
            () => muc.save({ hidden_occupants: !listHidden })),
          menuItem('palaver-invite', 'Invite people', 'Show the link that brings others here', 'fa-user-plus', () => showInviteCard(muc, false)),
          menuItem('palaver-leave', 'Leave the room', 'Leave this room and close the chat', 'fa-sign-out-alt', leave),
        ];
      });

      // The room's creation is read from its presence, which may come before Converse has
      // announced the room: the card waits for whichever comes second.
      let room = null;
      let madeHere = false;
      const greetMaker = () => {
        if (!room || !madeHere) return;
        madeHere = false;
        showInviteCard(room, true);
      };
      api.listen.on('chatRoomInitialized', (muc) => {
        if (muc.get('jid') !== roomJid) return;
        room = muc;
        greetMaker();
      });
      const onPresence = (stanza) => {
        const from = stanza.getAttribute('from') ?? '';
        if (!from.startsWith(`${roomJid}/`) || stanza.getAttribute('type')) return true;
        const codes = [...stanza.getElementsByTagNameNS(NS_MUC_USER, 'status')].map((status) => status.getAttribute('code'));
        if (codes.includes('110') && codes.includes(ROOM_CREATED)) {
          madeHere = true;
          greetMaker();
        }
        return true;
      };
      document.addEventListener('converse:dropdown:show', (event) => relayOut(event.target));

      const listen = () => api.connection.get().addHandler(onPresence, null, 'presence');
      api.listen.on('connected', listen);
    },
  };
}

/**
 * Lays a menu just opened out again, once Popper has placed it. Chromium (156 here) often
 * leaves the heading's menu, which Popper places with `position: fixed`, without any box on
 * a phone-sized screen: open, but invisible and unclickable, until something else on the
 * page changes. Taking it out of the layout and back for one moment gives it its box.
 */
function relayOut(dropdown) {
  const menu = dropdown?.querySelector?.(':scope > .dropdown-menu');
  if (!menu) return;
  requestAnimationFrame(() => {
    if (!menu.classList.contains('show') || menu.getClientRects().length > 0) return;
    menu.style.display = 'none';
    void menu.offsetHeight;
    menu.style.display = '';
  });
}

/** The menu with `items` added just above "Leave the room", which stays last. */
export function withItems(buttons, items) {
  const leave = buttons.findIndex((button) => button.name === 'palaver-leave');
  if (leave < 0) return [...buttons, ...items];
  return [...buttons.slice(0, leave), ...items, ...buttons.slice(leave)];
}

/** One item of Converse's room menu (its getHeadingButtons format). */
export function menuItem(name, text, title, icon, action) {
  return {
    name,
    i18n_text: text,
    i18n_title: title,
    icon_class: icon,
    a_class: name,
    handler: (event) => {
      closeMenuOf(event);
      action();
    },
  };
}

/**
 * Closes the Converse menu a click on one of its items came from, and keeps the click to it:
 * Converse closes a menu on a click elsewhere only, and a click that went on from a
 * participant's menu would open that person's details over the list.
 */
export function closeMenuOf(event) {
  event?.preventDefault();
  event?.stopPropagation();
  event?.target?.closest?.('converse-dropdown')?.hide?.();
}
