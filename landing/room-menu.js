// A Converse plugin: the room as a guest meets it. The room's menu keeps what a guest can use
// (no "Destroy", no configuration form) and gains "Invite people" and "Leave the room"
// (Converse hides its own Leave in a one-room page); roles read as words, not "O"/"MO"
// badges (landing.css shows the badge's title); and whoever has just made the room by
// opening its link is shown the link to share, with a copy button.

import { $, canCopy, copyWithFeedback, roomLink } from './page.js';

const HIDDEN_BUTTONS = ['destroy', 'configure'];
const NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
// XEP-0045 §10.1.1: the self-presence of whoever created the room.
const ROOM_CREATED = '201';

export function roomMenuPlugin(converse, { roomJid, leave }) {
  return {
    initialize() {
      const { api } = this._converse;
      api.listen.on('getHeadingButtons', (view, buttons) => {
        if (view.model?.get('jid') !== roomJid) return buttons;
        return [
          ...buttons.filter((button) => !HIDDEN_BUTTONS.includes(button.name)),
          menuItem('palaver-invite', 'Invite people', 'Show the link that brings others here', 'fa-user-plus', () => showInvite(false)),
          menuItem('palaver-leave', 'Leave the room', 'Leave this room and close the chat', 'fa-sign-out-alt', leave),
        ];
      });

      const onPresence = (stanza) => {
        const from = stanza.getAttribute('from') ?? '';
        if (!from.startsWith(`${roomJid}/`) || stanza.getAttribute('type')) return true;
        const codes = [...stanza.getElementsByTagNameNS(NS_MUC_USER, 'status')].map((status) => status.getAttribute('code'));
        if (codes.includes('110') && codes.includes(ROOM_CREATED)) showInvite(true);
        return true;
      };
      const listen = () => api.connection.get().addHandler(onPresence, null, 'presence');
      api.listen.on('connected', listen);
    },
  };
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
      event?.preventDefault();
      action();
    },
  };
}

/** The card with the room's link; `firstVisit` words it for the guest who has just made the room. */
function showInvite(firstVisit) {
  $('invite-card')?.remove();
  const card = document.createElement('section');
  card.id = 'invite-card';
  card.className = 'room-card';
  card.setAttribute('role', 'dialog');
  card.setAttribute('aria-label', 'Invite people');
  const heading = document.createElement('h2');
  heading.textContent = firstVisit ? 'Your room is ready' : 'Invite people';
  const text = document.createElement('p');
  text.textContent = firstVisit
    ? 'It is empty for now. Send this link to the people you want to talk with: it brings them straight here.'
    : 'Send this link to the people you want here: it brings them straight to this room.';
  const link = document.createElement('input');
  link.className = 'room-card-link';
  link.readOnly = true;
  link.value = roomLink();
  link.setAttribute('aria-label', 'Link to this room');
  link.addEventListener('focus', () => link.select());
  const actions = document.createElement('p');
  actions.className = 'room-card-actions';
  if (canCopy()) {
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'room-card-copy';
    copy.textContent = 'Copy link';
    copy.addEventListener('click', () => copyWithFeedback(copy, link.value, 'Copy link'));
    actions.append(copy);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'secondary room-card-close';
  close.textContent = 'Got it';
  close.addEventListener('click', () => card.remove());
  card.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') card.remove();
  });
  actions.append(close);
  card.append(heading, text, link, actions);
  document.body.append(card);
}
