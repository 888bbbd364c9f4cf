/** The MUC steps the scenarios share: joining (creating an instant room when first) and sending. */
import { startTagEnd } from './framer.mjs';
import { attr, hasChild, localName, statusCodes } from './stanza.mjs';

const NS_MUC = 'http://jabber.org/protocol/muc';
const NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';

/**
 * Joins `room` as `nick` and resolves with the self-presence (status 110). When the join
 * created the room (status 201) the room is made an instant room first (an empty owner form
 * submit), so later joiners are not kept out by room locking.
 *
 * @param {import('./client.mjs').XmppClient} client
 * @param {string} room  bare room JID
 * @param {{ history?: 'none' | 'default', timeoutMs?: number }} [options]
 */
export async function joinRoom(client, room, nick, { history = 'none', timeoutMs } = {}) {
  const occupant = `${room}/${nick}`;
  const self = client.waitFor(
    (s) => localName(s) === 'presence' && attr(s, 'from') === occupant && (attr(s, 'type') === 'error' || statusCodes(s).includes('110')),
    `self-presence in ${room}`,
    timeoutMs,
  );
  const historyElement = history === 'none' ? `<history maxstanzas='0'/>` : '';
  client.send(`<presence${client.ns} to='${occupant}'><x xmlns='${NS_MUC}'>${historyElement}</x></presence>`);
  const presence = await self;
  if (attr(presence, 'type') === 'error') throw new Error(`join refused: ${presence.slice(0, 300)}`);
  if (statusCodes(presence).includes('201')) {
    await client.iq('set', room, `<query xmlns='${NS_MUC_OWNER}'><x xmlns='jabber:x:data' type='submit'/></query>`, 'instant room configuration');
  }
  return presence;
}

/** Sets the room subject and waits for its reflection. */
export async function setSubject(client, room, subject) {
  const reflected = client.waitFor(
    (s) => localName(s) === 'message' && attr(s, 'from')?.startsWith(`${room}/`) && hasChild(s, 'subject') && !hasChild(s, 'body'),
    'subject reflection',
  );
  client.send(`<message${client.ns} to='${room}' type='groupchat'><subject>${subject}</subject></message>`);
  const message = await reflected;
  if (attr(message, 'type') === 'error') throw new Error(`subject refused: ${message.slice(0, 300)}`);
}

/**
 * A groupchat message whose body carries a sequence number and the send time, so that every
 * receiver can compute its latency. Bodies contain no markup (see stanza.mjs).
 */
export function groupchat(client, room, seq) {
  return `<message${client.ns} to='${room}' type='groupchat' id='m${seq}'><body>${seq} ${performance.now().toFixed(3)}</body></message>`;
}

/**
 * Reads the send time out of a received groupchat message from `groupchat`, or NaN when the
 * stanza is something else (presence, subject, error, history with a different body).
 */
export function sentAt(stanza) {
  if (!stanza.startsWith('<message')) return NaN;
  if (isError(stanza)) return NaN;
  const open = stanza.indexOf('<body>');
  if (open === -1) return NaN;
  const close = stanza.indexOf('</body>', open);
  const space = stanza.indexOf(' ', open);
  if (close === -1 || space === -1 || space > close) return NaN;
  return Number(stanza.slice(space + 1, close));
}

/** Whether a stanza's own start tag says type='error'. */
export function isError(stanza) {
  const end = startTagEnd(stanza, 0);
  const tag = end === -1 ? stanza : stanza.slice(0, end);
  return tag.includes("type='error'") || tag.includes('type="error"');
}
