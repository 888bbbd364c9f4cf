// A panel in the chat itself, at the top of the chat area under the room's heading: the
// room's link to share (invite-card.js) and the new-name form (rename-form.js). In the page's
// flow rather than over it, it never covers the text box, and the room's menu opens over it;
// at the top it also stays clear of the cameras' controls, which float above the text box.
// The messages get less room while it is open. One panel at a time; it closes with its own
// button or Escape, and the text box gets the keyboard back.

const PANEL_CLASS = 'chat-panel';
let closeOpenPanel = null;
// Converse draws the chat once the room has let the guest in, a moment after its presence says so.
const CHAT_WAIT_MS = 10000;

/** The room's chat area (messages and text box), once Converse has drawn it (or null). */
function chatArea() {
  const find = () => document.querySelector('converse-muc-chatarea .chat-area');
  if (find()) return Promise.resolve(find());
  return new Promise((resolve) => {
    const done = (found) => {
      observer.disconnect();
      clearTimeout(timer);
      resolve(found);
    };
    const observer = new MutationObserver(() => { if (find()) done(find()); });
    observer.observe(document.body, { childList: true, subtree: true });
    const timer = setTimeout(() => done(null), CHAT_WAIT_MS);
  });
}

/**
 * Shows `panel` in the chat of the room `muc`, in place of any other panel; resolves to the
 * function that closes it (and calls `onClose`), or to null when there is no chat to hold it.
 */
export async function openChatPanel(panel, muc, onClose = () => {}) {
  const area = await chatArea();
  if (!area) return null;
  closeOpenPanel?.();
  panel.classList.add(PANEL_CLASS);
  // On a phone the participant list, when shown, takes the chat's place: show the chat.
  if (getComputedStyle(area).display === 'none') muc.save('hidden_occupants', true);
  // Read before Converse's own handlers (capture): while one of its menus or dialogs is open,
  // Escape closes that, not the panel.
  const onKey = (event) => {
    if (event.key !== 'Escape' || event.defaultPrevented) return;
    if (document.querySelector('.dropdown-menu.show, .modal.show')) return;
    close();
  };
  const close = () => {
    if (closeOpenPanel === close) closeOpenPanel = null;
    document.removeEventListener('keydown', onKey, true);
    onClose();
    const hadFocus = panel.contains(document.activeElement);
    panel.remove();
    if (hadFocus) document.querySelector('.chat-textarea')?.focus();
  };
  closeOpenPanel = close;
  document.addEventListener('keydown', onKey, true);
  area.prepend(panel);
  return close;
}

/** A panel with its id and heading (the same for every panel). */
export function panelFrame(id, title) {
  const panel = document.createElement('section');
  panel.id = id;
  panel.setAttribute('aria-label', title);
  const heading = document.createElement('h2');
  heading.textContent = title;
  panel.append(heading);
  return panel;
}

/** A button of a panel; `secondary` for the quieter ones (Close, Cancel). */
export function panelButton(text, action, secondary = false) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = text;
  if (secondary) button.className = 'secondary';
  button.addEventListener('click', action);
  return button;
}
