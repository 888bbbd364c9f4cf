// A Converse plugin: webcams in the room, BareRTC style. "Camera" shares one's camera (and
// microphone if there is one); the camera is announced in one's room presence as
// <webcam xmlns="urn:palaver:webcam:0"/>, so the participant list shows a Watch button by the
// name. Watching is a Jingle session (XEP-0166/0167/0176/0320) that the watcher starts
// through the room (to room@muc/nick, the MUC's private iqs): its session-initiate offers to
// receive only (senders="responder"), the broadcaster answers with its camera. So each watcher
// has a peer connection of its own, which the broadcaster lists and can stop
// (session-terminate). Leaving the room or closing the tab ends every stream.

import { settings } from '../page.js';
import { closeMenuOf } from '../room-menu.js';
import { createCalls } from './call.js';
import { addVideoSymbol } from './icons.js';
import { iceServers } from './ice-servers.js';
import { NS } from './jingle-sdp.js';
import { CallsPanel, decorateParticipants } from './panel.js';
import { JingleSession } from './session.js';
import { ackOf, errorOf, jingleIq, reason, treeOf } from './stanzas.js';

export const NS_WEBCAM = 'urn:palaver:webcam:0';
// Each watcher costs the broadcaster a full upload of the stream.
const MAX_WATCHERS = 8;

export function webcamPlugin(converse, roomJid) {
  loadCallsStylesheet();
  return {
    initialize() {
      const { api } = this._converse;
      const { env } = converse;
      const { Strophe } = env;
      let muc = null;
      let sharing = null; // { stream, micMuted }
      const watchers = new Map(); // sid -> session (we broadcast to them)
      const watching = new Map(); // nick -> session (we watch them)
      // sid -> the session, as a promise: signals that come while it is being set up wait for it.
      const sessions = new Map();
      let panel = null;
      let calls = null;
      let refreshParticipants = () => {};

      const ownRoomJid = () => `${roomJid}/${muc.get('nick')}`;
      const nickOf = (jid) => Strophe.getResourceFromJid(jid);
      const occupant = (nick) => muc?.occupants.findWhere({ nick });
      const inRoom = () => muc?.session.get('connection_status') === converse.ROOMSTATUS.ENTERED;

      const showWatchers = () => panel.showWatchers([...watchers.values()]
        .map((session) => ({ nick: nickOf(session.peer), stop: () => session.terminate('success') })));

      const newSession = (options) => {
        const created = iceServers(api, env, Strophe.getDomainFromJid(api.connection.get().jid))
          .then((servers) => new JingleSession({
            api, env, ...options,
            iceServers: servers,
            relayOnly: Boolean(settings.callsRelayOnly),
            onClose: (session) => {
              sessions.delete(options.sid);
              options.onClose(session);
            },
          }));
        sessions.set(options.sid, created);
        return created;
      };

      // --- Broadcasting ---

      const announce = () => muc?.sendStatusPresence({});

      const stopCamera = () => {
        if (!sharing) return;
        for (const session of [...watchers.values()]) session.terminate('success');
        for (const track of sharing.stream.getTracks()) track.stop();
        sharing = null;
        panel.showSharing(null);
        if (inRoom()) announce();
      };

      const startCamera = async () => {
        panel.say('Your browser will ask to use your camera and microphone. Everyone in this room will be able to watch.');
        let stream;
        try {
          stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
        } catch {
          try {
            stream = await navigator.mediaDevices.getUserMedia({ video: true });
          } catch (error) {
            panel.say(error?.name === 'NotAllowedError'
              ? 'You did not allow the camera. To share it, allow it in your browser’s site settings and press Camera again.'
              : 'No camera could be opened on this device.');
            return;
          }
        }
        sharing = { stream, micMuted: false };
        panel.say('');
        panel.showSharing(sharing);
        // A camera unplugged or stopped from the browser's own controls ends the sharing.
        stream.getVideoTracks()[0]?.addEventListener('ended', stopCamera);
        announce();
      };

      const toggleMute = () => {
        if (!sharing) return;
        sharing.micMuted = !sharing.micMuted;
        for (const track of sharing.stream.getAudioTracks()) track.enabled = !sharing.micMuted;
        panel.showSharing(sharing);
      };

      const acceptWatcher = async (iq, jingle) => {
        const from = iq.getAttribute('from');
        const sid = jingle.attrs.sid;
        const refuse = (condition) => api.send(jingleIq(env, from, { action: 'session-terminate', sid }, [reason(condition)]));
        if (!sharing) return refuse('decline');
        if (watchers.size >= MAX_WATCHERS) return refuse('busy');
        const session = await newSession({ sid, role: 'responder', peer: from, onClose: () => { watchers.delete(sid); showWatchers(); } });
        if (!sharing) return session.terminate('decline');
        watchers.set(sid, session);
        showWatchers();
        return session.run(() => session.answerWith(jingle, sharing.stream, ownRoomJid()));
      };

      // --- Watching ---

      const stopWatching = (nick) => watching.get(nick)?.terminate('success');

      const watch = async (nick) => {
        if (watching.has(nick)) return stopWatching(nick);
        const sid = crypto.randomUUID();
        const session = await newSession({
          sid, role: 'initiator', peer: `${roomJid}/${nick}`,
          onClose: () => {
            watching.delete(nick);
            panel.removeTile(nick);
            refreshParticipants();
          },
        });
        watching.set(nick, session);
        const video = panel.addTile(nick, nick, session.receivedStream(), () => stopWatching(nick));
        // For the tests and for debugging: the tile's connection, to read its statistics.
        video.palaverPeer = session.pc;
        refreshParticipants();
        return session.run(() => session.offerToReceive(['video', 'audio'], ownRoomJid()));
      };

      // --- Jingle iqs from occupants ---

      const onJingle = (iq) => {
        const from = iq.getAttribute('from') ?? '';
        const element = iq.getElementsByTagNameNS(NS.jingle, 'jingle')[0];
        if (!element || Strophe.getBareJidFromJid(from) !== roomJid || !nickOf(from)) {
          api.send(errorOf(env, iq, 'service-unavailable'));
          return true;
        }
        const jingle = treeOf(element);
        const { action, sid } = jingle.attrs;
        if (action === 'session-initiate') {
          api.send(ackOf(env, iq));
          if (calls?.onInitiate(from, jingle)) return true;
          acceptWatcher(iq, jingle).catch((error) => console.warn('Palaver calls:', error));
          return true;
        }
        const pending = sessions.get(sid);
        if (!pending) {
          api.send(errorOf(env, iq, 'item-not-found', 'unknown-session'));
          return true;
        }
        api.send(ackOf(env, iq));
        pending.then((session) => {
          if (session.peer !== from) return;
          if (action === 'session-accept') session.run(() => session.accepted(jingle));
          else if (action === 'transport-info') session.run(() => session.addCandidates(jingle));
          else if (action === 'session-terminate') session.close();
        });
        return true;
      };

      // --- Presence: announce our camera, read others' ---

      api.listen.on('constructedPresence', (_, presence) => {
        if (sharing && muc && presence.tree().getAttribute('to') === ownRoomJid()) {
          presence.root().cnode(Strophe.xmlElement('webcam', { xmlns: NS_WEBCAM })).up();
        }
        return presence;
      });
      api.listen.on('parseMUCPresence', (stanza, attrs) => ({
        ...attrs,
        webcam: stanza.getElementsByTagNameNS(NS_WEBCAM, 'webcam').length > 0 && stanza.getAttribute('type') !== 'unavailable',
      }));

      const endEverything = () => {
        for (const session of [...watching.values()]) session.terminate('gone');
        calls?.endAll();
        stopCamera();
      };

      api.listen.on('chatRoomInitialized', (room) => {
        if (room.get('jid') !== roomJid) return;
        muc = room;
        panel ??= new CallsPanel({ onCamera: () => (sharing ? stopCamera() : startCamera()), onMute: toggleMute });
        calls ??= createCalls({ api, env, roomJid, panel, newSession, ownRoomJid });
        refreshParticipants = decorateParticipants((nick) => {
          const found = occupant(nick);
          if (!found || nick === muc.get('nick')) return null;
          return { camera: Boolean(found.get('webcam')), watching: watching.has(nick) };
        }, (nick) => watch(nick).catch((error) => console.warn('Palaver calls:', error)));
        const occupantGone = (model) => {
          const nick = model.get('nick');
          watching.get(nick)?.close();
          for (const session of [...watchers.values()]) if (nickOf(session.peer) === nick) session.close();
          calls.endWith(nick);
        };
        room.occupants.on('change:webcam', (model) => {
          if (!model.get('webcam')) watching.get(model.get('nick'))?.close();
          refreshParticipants();
        });
        room.occupants.on('remove', occupantGone);
        room.occupants.on('change:presence', (model) => { if (model.get('presence') === 'offline') occupantGone(model); });
        room.session.on('change:connection_status', () => { if (!inRoom()) endEverything(); });
      });

      // Calls, from the menu by each participant's name.
      addVideoSymbol();
      api.listen.on('getOccupantActionButtons', (model, buttons) => {
        if (!calls || model.get('nick') === muc?.get('nick') || model.get('presence') === 'offline') return buttons;
        const start = (video) => (event) => { closeMenuOf(event); calls.start(model.get('nick'), video); };
        return [...buttons,
          { i18n_text: 'Video call', handler: start(true), button_class: 'calls-video-call', icon_class: 'fa fa-video', name: 'video-call' },
          { i18n_text: 'Audio call', handler: start(false), button_class: 'calls-audio-call', icon_class: 'fa fa-phone', name: 'audio-call' }];
      });

      const listen = () => {
        api.connection.get().addHandler(onJingle, NS.jingle, 'iq', 'set');
        api.connection.get().addHandler((message) => calls?.onMessage(message) ?? true, 'urn:xmpp:jingle-message:0', 'message');
      };
      api.listen.on('connected', listen);
      api.listen.on('reconnected', listen);
      // The streams end with the page, and with "Leave the room" (which logs the guest out):
      // end them while the connection can still tell the others, rather than leave them to
      // time out. The room's own status comes after the connection is gone.
      window.addEventListener('pagehide', endEverything);
      api.listen.on('beforeLogout', endEverything);
    },
  };
}

/** The panel's styles, under the page's versioned asset path (the server bundles this module). */
export function loadCallsStylesheet() {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL(`${settings.assetsPath}landing/calls/calls.css`, document.baseURI).href;
  document.head.append(link);
}
