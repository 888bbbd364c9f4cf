// The room's link to share, in the chat (chat-panel.js): from "Invite people" in the room's
// menu, and at once for whoever has just made the room by opening its link, whose empty room
// would otherwise say nothing about how others get in.

import { openChatPanel, panelButton, panelFrame } from './chat-panel.js';
import { canCopy, copyWithFeedback, roomLink } from './page.js';

/** Shows the card in the chat of `muc`; `firstVisit` words it for the guest who has just made the room. */
export async function showInviteCard(muc, firstVisit) {
  const card = panelFrame('invite-card', firstVisit ? 'Your room is ready' : 'Invite people');
  const text = document.createElement('p');
  text.textContent = firstVisit
    ? 'It is empty for now. Send this link to the people you want to talk with: it brings them straight here.'
    : 'Send this link to the people you want here: it brings them straight to this room.';
  const link = document.createElement('input');
  link.className = 'chat-panel-link';
  link.readOnly = true;
  link.value = roomLink();
  link.setAttribute('aria-label', 'Link to this room');
  link.addEventListener('focus', () => link.select());
  const actions = document.createElement('p');
  actions.className = 'chat-panel-actions';
  if (canCopy()) {
    const copy = panelButton('Copy link', () => copyWithFeedback(copy, link.value, 'Copy link'));
    actions.append(copy);
  }
  let close = null;
  actions.append(panelButton('Got it', () => close?.(), true));
  card.append(text, link, actions);
  close = await openChatPanel(card, muc);
  // Asked for from the menu: the keyboard goes to the card. On a first visit the text box keeps it.
  if (close && !firstVisit) actions.querySelector('button')?.focus();
}
