// The join form. Without JavaScript it is a plain GET form; with it, the nickname is
// checked before leaving the page, and the share links follow the chosen room.

import { $, canCopy, copyWithFeedback, formParams, nickProblem, nickRefusal, pageUrl, roomForName, setMode, settings, showMessage } from './page.js';

function chosenChannel() {
  return $('channel').value.trim();
}

// The XMPP app link needs the room's address, which the server works out from the typed
// name; asked for once the typing pauses, and only the latest answer counts.
const ADDRESS_DELAY_MS = 300;
let addressTimer = 0;
let addressAsked = 0;

function updateShareLinks() {
  const channel = chosenChannel();
  $('share').hidden = !channel;
  if (!channel) return;
  const link = new URL(settings.publicUrl);
  link.searchParams.set('channel', channel);
  $('share-link').href = link.href;
  $('share-link').textContent = link.href;
  clearTimeout(addressTimer);
  addressTimer = setTimeout(async () => {
    const asked = ++addressAsked;
    const address = await roomForName(channel);
    if (asked !== addressAsked) return;
    $('share').hidden = !address.room;
    if (address.room) $('xmpp-link').href = `xmpp:${encodeURIComponent(address.room)}@${settings.mucDomain}?join`;
  }, ADDRESS_DELAY_MS);
}

function setUpCopyButton() {
  const button = $('copy-link');
  if (!canCopy()) return; // the link can still be copied by hand
  button.hidden = false;
  button.addEventListener('click', () => copyWithFeedback(button, $('share-link').href, 'Copy'));
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
  const address = await roomForName(channel);
  const refusal = address.room ? await nickRefusal(address.room, nick) : null;
  button.disabled = false;
  if (address.problem) {
    showMessage(address.problem);
    $('channel').focus();
    return;
  }
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
  $('channel').addEventListener('input', () => updateShareLinks());
  $('channel').addEventListener('change', () => updateShareLinks());
  $('join-form').addEventListener('submit', onSubmit);
  setUpCopyButton();
  // The page came with the links for its own room, worked out by the server.
}

/** Back to the form for the link's room, with a message (no reload). */
export function backToForm(message) {
  history.replaceState(null, '', pageUrl(formParams()));
  setMode('form');
  showMessage(message);
  $('nick').select();
  $('nick').focus();
}
