// One-to-one calls with someone in the room, audio or video: rung with XEP-0353 (propose,
// proceed, reject, retract, as private messages through the room to room@muc/nick), then a
// Jingle session both ways, which the caller starts with the proposal's id as its sid.

import { toggleButton } from './panel.js';

const NS_JMI = 'urn:xmpp:jingle-message:0';
const NS_RTP = 'urn:xmpp:jingle:apps:rtp:1';
// Nobody answered: stop ringing.
const RING_TIMEOUT_MS = 45_000;

const mediaOf = (video) => ({ audio: true, video });
const kindText = (video) => (video ? 'video call' : 'audio call');

/**
 * @param {object} c - what the plugin shares: api, env, roomJid, panel, newSession(options),
 *   ownRoomJid(), and refresh() to redraw the participant list
 */
export function createCalls(c) {
  const { api, env, roomJid, panel } = c;
  const { Strophe } = env;
  const calls = new Map(); // sid -> { nick, video, stream, session, stopRinging, outgoing }

  const jmi = (nick, name, sid, children = []) => {
    const message = env.$msg({ type: 'chat', to: `${roomJid}/${nick}` }).c(name, { xmlns: NS_JMI, id: sid });
    for (const media of children) message.c('description', { xmlns: NS_RTP, media }).up();
    message.up().c('store', { xmlns: 'urn:xmpp:hints' });
    api.send(message);
  };

  const end = (sid) => {
    const call = calls.get(sid);
    if (!call) return;
    calls.delete(sid);
    call.stopRinging?.();
    clearTimeout(call.timer);
    call.session?.terminate('success');
    for (const track of call.stream?.getTracks() ?? []) track.stop();
    panel.removeTile(`${call.nick} (call)`);
    panel.say('');
  };

  const showCall = (sid, session) => {
    const call = calls.get(sid);
    call.session = session;
    const mute = toggleButton('Mute', () => {
      const tracks = call.stream.getAudioTracks();
      const muted = tracks.some((track) => track.enabled);
      for (const track of tracks) track.enabled = !muted;
      return muted ? 'Unmute' : 'Mute';
    });
    const video = panel.addTile(`${call.nick} (call)`, `In a ${kindText(call.video)} with ${call.nick}`, session.receivedStream(), () => end(sid), 'Hang up', [mute]);
    video.palaverPeer = session.pc;
    panel.say('');
  };

  /** The other side hung up, left, or the connection failed: say so (one's own hang-up needs no words). */
  const endedElsewhere = (sid) => {
    const call = calls.get(sid);
    if (!call) return;
    end(sid);
    if (call.session) panel.say(`The call with ${call.nick} has ended.`);
  };

  // A session closing while its call is still listed was ended from the other side: end()
  // forgets the call before it terminates the session.
  const sessionOptions = (sid, nick, role) => ({ sid, role, peer: `${roomJid}/${nick}`, onClose: () => endedElsewhere(sid) });

  async function start(nick, video) {
    const sid = crypto.randomUUID();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(mediaOf(video));
    } catch {
      panel.say(`To call, allow the ${video ? 'camera and microphone' : 'microphone'} in your browser.`);
      return;
    }
    calls.set(sid, { nick, video, stream, outgoing: true });
    jmi(nick, 'propose', sid, video ? ['audio', 'video'] : ['audio']);
    calls.get(sid).stopRinging = panel.ask(`Calling ${nick}…`, [{ label: 'Cancel', secondary: true, action: () => { jmi(nick, 'retract', sid); end(sid); } }]);
    calls.get(sid).timer = setTimeout(() => { jmi(nick, 'retract', sid); end(sid); panel.say(`${nick} did not answer.`); }, RING_TIMEOUT_MS);
  }

  async function answer(sid) {
    const call = calls.get(sid);
    try {
      call.stream = await navigator.mediaDevices.getUserMedia(mediaOf(call.video));
    } catch {
      jmi(call.nick, 'reject', sid);
      end(sid);
      panel.say('The call could not start: your browser did not allow the microphone or camera.');
      return;
    }
    call.answered = true;
    jmi(call.nick, 'proceed', sid);
  }

  /** An XEP-0353 message from an occupant. */
  function onMessage(message) {
    const from = message.getAttribute('from') ?? '';
    const nick = Strophe.getResourceFromJid(from);
    const element = [...message.children].find((child) => child.namespaceURI === NS_JMI);
    if (!element || Strophe.getBareJidFromJid(from) !== roomJid || !nick || message.getAttribute('type') === 'error') return true;
    const sid = element.getAttribute('id');
    const call = calls.get(sid);
    if (element.localName === 'propose' && !call) {
      const video = [...element.children].some((child) => child.localName === 'description' && child.getAttribute('media') === 'video');
      calls.set(sid, { nick, video });
      calls.get(sid).stopRinging = panel.ask(`${nick} is calling you (${kindText(video)}).`, [
        { label: 'Answer', action: () => answer(sid) },
        { label: 'Decline', secondary: true, action: () => { jmi(nick, 'reject', sid); end(sid); } },
      ]);
      calls.get(sid).timer = setTimeout(() => end(sid), RING_TIMEOUT_MS);
    } else if (call?.nick !== nick) {
      // Not about a call with this person.
    } else if (element.localName === 'proceed' && call.outgoing && !call.session) {
      call.stopRinging?.();
      clearTimeout(call.timer);
      c.newSession(sessionOptions(sid, nick, 'initiator')).then((session) => {
        showCall(sid, session);
        return session.run(() => session.offerToCall(call.stream, c.ownRoomJid()));
      });
    } else if (element.localName === 'reject' || element.localName === 'retract') {
      if (element.localName === 'reject') panel.say(`${nick} did not take the call.`);
      end(sid);
    }
    return true;
  }

  /** The caller's session-initiate for a call we answered; false if it is not one. */
  function onInitiate(from, jingle) {
    const sid = jingle.attrs.sid;
    const call = calls.get(sid);
    if (!call?.answered || `${roomJid}/${call.nick}` !== from || call.session) return false;
    c.newSession(sessionOptions(sid, call.nick, 'responder')).then((session) => {
      showCall(sid, session);
      return session.run(() => session.answerWith(jingle, call.stream, c.ownRoomJid(), true));
    });
    return true;
  }

  /** Someone left: their calls end. */
  const endWith = (nick) => { for (const [sid, call] of calls) if (call.nick === nick) endedElsewhere(sid); };
  /**
   * We leave: every call ends. One still ringing is called off as XEP-0353 says (the caller
   * retracts, the callee rejects), so the other side stops ringing at once, also in clients
   * that do not watch the room's presence for it.
   */
  const endAll = () => {
    for (const [sid, call] of [...calls]) {
      if (!call.session && !call.answered) jmi(call.nick, call.outgoing ? 'retract' : 'reject', sid);
      end(sid);
    }
  };

  return { start, onMessage, onInitiate, endWith, endAll, NS: NS_JMI };
}
