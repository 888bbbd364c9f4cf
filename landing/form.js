// The join form. Without JavaScript it is a plain GET form; with it, the nickname is
// checked before leaving the page, and the share links follow the chosen room.

import { $, formParams, nickProblem, nickRefusal, pageUrl, setMode, settings, showMessage } from './page.js';

function chosenChannel() {
  return $('channel').value.trim();
}

function updateShareLinks() {
  const channel = chosenChannel();
  $('share').hidden = !channel;
  if (!channel) return;
  const link = new URL(settings.publicUrl);
  link.searchParams.set('channel', channel);
  $('share-link').href = link.href;
  $('share-link').textContent = link.href;
  $('xmpp-link').href = `xmpp:${encodeURIComponent(channel.toLowerCase())}@${settings.mucDomain}?join`;
}

function setUpCopyButton() {
  const button = $('copy-link');
  if (!navigator.clipboard) return; // secure contexts only; the link can still be copied by hand
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText($('share-link').href);
      button.textContent = 'Copied!';
    } catch {
      button.textContent = 'Select the link to copy it';
    }
    setTimeout(() => { button.textContent = 'Copy'; }, 2500);
  });
}

async function onSubmit(event) {
  event.preventDefault();
  const form = event.target;
  const nick = $('nick').value.trim();
  const channel = chosenChannel();
  const problem = channel ? nickProblem(nick) : 'Please choose a room.';
  if (problem) {
    showMessage(problem);
    (channel ? $('nick') : $('channel')).focus();
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  const refusal = await nickRefusal(channel, nick);
  button.disabled = false;
  if (refusal) {
    showMessage(refusal);
    $('nick').focus();
    return;
  }
  const params = { channel, nick };
  if (settings.transportChosen) params.transport = settings.transport;
  location.assign(pageUrl(params));
}

export function setUpForm() {
  $('channel').addEventListener('input', updateShareLinks);
  $('channel').addEventListener('change', updateShareLinks);
  $('join-form').addEventListener('submit', onSubmit);
  setUpCopyButton();
  updateShareLinks();
}

/** Back to the form for the link's room, with a message (no reload). */
export function backToForm(message) {
  history.replaceState(null, '', pageUrl(formParams()));
  setMode('form');
  showMessage(message);
  $('nick').select();
  $('nick').focus();
}
