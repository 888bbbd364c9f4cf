// "Change your name" from the room's menu: a small form in the chat (chat-panel.js). The new
// name goes to the room exactly as /nick sends it, so the room's own checks decide (taken,
// reserved, an account's name); a refusal keeps the chat and the form, which says why under
// the field (nick-clash.js words it and tells the form rather than the chat).

import { openChatPanel, panelButton, panelFrame } from './chat-panel.js';
import { nickProblem } from './page.js';
import { RENAME_REFUSED } from './nick-clash.js';

// The room answers a rename at once; past this the form lets the guest try again.
const ANSWER_WAIT_MS = 10000;

export async function showRenameForm(muc) {
  const form = document.createElement('form');
  form.noValidate = true;
  const panel = panelFrame('rename-form', 'Change your name');
  const message = document.createElement('p');
  message.className = 'message';
  message.setAttribute('role', 'alert');
  message.hidden = true;
  const label = document.createElement('label');
  label.htmlFor = 'rename-nick';
  label.textContent = 'Your new name';
  const field = document.createElement('input');
  field.id = 'rename-nick';
  field.type = 'text';
  field.value = muc.get('nick') ?? '';
  field.autocomplete = 'nickname';
  field.autocapitalize = 'off';
  field.spellcheck = false;
  const submit = panelButton('Change', () => {});
  submit.type = 'submit';
  let close = null;
  const actions = document.createElement('p');
  actions.className = 'chat-panel-actions';
  actions.append(submit, panelButton('Cancel', () => close?.(), true));
  form.append(message, label, field, actions);
  panel.append(form);

  const say = (text) => {
    message.textContent = text;
    message.hidden = !text;
    if (!text) return;
    field.select();
    field.focus();
  };
  let waiting = null;
  const stopWaiting = () => {
    if (!waiting) return;
    muc.off('change:nick', waiting.renamed);
    muc.off(RENAME_REFUSED, waiting.refused);
    clearTimeout(waiting.timer);
    waiting = null;
    submit.disabled = false;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = field.value.trim();
    const problem = nickProblem(wanted);
    if (problem) return say(problem);
    if (wanted === muc.get('nick')) return close?.();
    stopWaiting();
    say('');
    submit.disabled = true;
    waiting = {
      renamed: () => {
        stopWaiting();
        close?.();
      },
      // Whatever the room refused while the form waits is its answer (the room may have
      // normalised the name it quotes).
      refused: (refusal) => {
        refusal.shown = true;
        stopWaiting();
        say(refusal.message);
      },
      timer: setTimeout(stopWaiting, ANSWER_WAIT_MS),
    };
    muc.on('change:nick', waiting.renamed);
    muc.on(RENAME_REFUSED, waiting.refused);
    muc.setNickname(wanted);
  });

  close = await openChatPanel(panel, muc, stopWaiting);
  if (!close) return;
  field.select();
  field.focus();
}
