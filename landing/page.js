// What the form and the chat share: the settings the server rendered into the page
// (server/http/landing-page.ts), the page's states, its links, and the nickname checks.

export const settings = JSON.parse(document.getElementById('palaver-settings').textContent);

export const $ = (id) => document.getElementById(id);

/** 'form' | 'join' | 'join-failed' | 'chat': landing.css shows the parts of each. */
export function setMode(mode) {
  document.body.dataset.mode = mode;
}

export function showMessage(text) {
  const message = $('form-message');
  message.textContent = text;
  message.hidden = !text;
}

/** A link to this page with the given query; relative, so it works under any path prefix. */
export function pageUrl(params) {
  const url = new URL(document.baseURI);
  url.search = new URLSearchParams(params).toString();
  url.hash = '';
  return url;
}

/** The query of the form for the link's room (and transport, if the link chose one). */
export function formParams() {
  const params = { channel: settings.channelName ?? settings.channel };
  if (settings.transportChosen) params.transport = settings.transport;
  return params;
}

/** The link that brings others to this room (the server worked it out: #share-link). */
export function roomLink() {
  return $('share-link').href;
}

/**
 * Copies text and says so on the button for a moment. The clipboard exists in secure
 * contexts only (https, or loopback): elsewhere the button is not offered (canCopy).
 */
export async function copyWithFeedback(button, text, label) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied!';
  } catch {
    button.textContent = 'Select the link to copy it';
  }
  setTimeout(() => { button.textContent = label; }, 2500);
}

export const canCopy = () => Boolean(navigator.clipboard);

// This tab's room and nickname once joined. sessionStorage survives a reload but not a new
// tab, so finding them here means "this is a reload": the nickname is ours, not someone
// else's, even if the room still lists our previous connection for a moment.
const JOINED_KEY = 'palaver.joined';

export function wasJoinedHere(channel, nick) {
  try {
    return sessionStorage.getItem(JOINED_KEY) === JSON.stringify([channel, nick]);
  } catch {
    return false; // storage disabled: behave as a first visit
  }
}

export function rememberJoined(channel, nick) {
  try {
    sessionStorage.setItem(JOINED_KEY, JSON.stringify([channel, nick]));
  } catch {
    // storage disabled: a reload then checks the nickname like a first visit
  }
}

// --- Nickname checks, worded as the server words them (landing-page.ts) ---

export function nickProblem(nick) {
  if (nick === '') return 'Please choose a nickname.';
  if ([...nick].length > settings.nickMaxLength) {
    return `That nickname is too long. Please use at most ${settings.nickMaxLength} characters.`;
  }
  return null;
}

export function takenMessage(nick) {
  return `Someone in this room is already called “${nick}”. Please pick a different nickname.`;
}

/**
 * The room a typed name stands for: `{ room, name }`, or `{ problem }` with the words to show.
 * The server decides (server/http/room-address.ts), so that links and the form agree.
 */
export async function roomForName(name) {
  const url = new URL('api/room-address', document.baseURI);
  url.searchParams.set('name', name);
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    return await response.json();
  } catch {
    return { problem: 'The chat server can’t be reached. Please check your connection and try again.' };
  }
}

/**
 * Asks the server whether the room would accept this nickname now: null when it would, else
 * the message to show. When the server cannot be asked, the room itself will be the judge.
 */
export async function nickRefusal(channel, nick) {
  const url = new URL(`api/rooms/${encodeURIComponent(channel)}/nick-available`, document.baseURI);
  url.searchParams.set('nick', nick);
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json();
    if (body.available) return null;
    if (body.reason === 'taken') return takenMessage(nick);
    return body.message || 'That nickname can’t be used here. Please try another one.';
  } catch {
    return null;
  }
}
