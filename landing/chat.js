// The chat: Converse.js, served by Palaver from its own origin, signed in anonymously and
// shown fullscreen for the one room of the link, under the link's nickname.

import { backToForm } from './form.js';
import { SITE_SIGN_IN_REFUSED, siteConverseOptions, siteSignIn } from './jwt.js';
import { alertsPlugin } from './alerts.js';
import { nickClashPlugin } from './nick-clash.js';
import { guestResumePlugin, resumingAnonymousMechanism, takeResumableJid } from './guest-resume.js';
import { occupantCountPlugin } from './occupant-count.js';
import { moderationPlugin } from './moderation.js';
import { roomMenuPlugin } from './room-menu.js';
import { rolesPlugin } from './roles.js';
import { searchPlugin } from './search.js';
import { wordingPlugin } from './wording.js';
import { webcamPlugin } from './calls/webcam.js';
import { $, formParams, nickRefusal, pageUrl, rememberJoined, setMode, settings, wasJoinedHere } from './page.js';
import { showServerNotices } from './server-notices.js';

// On a reload the room may still hold the nickname for our previous connection for a moment.
const RELOAD_RETRIES = 8;
const RELOAD_RETRY_DELAY_MS = 1000;
// Past this, the "Joining…" card says something went wrong instead of spinning forever.
const JOIN_TIMEOUT_MS = 30000;
// Notices Converse would show that mean nothing to a guest: "groupchat logging is now
// enabled" (the form says how long messages are kept, in plain words), "a new groupchat
// has been created" (its maker gets the invite card, room-menu.js) and "the room
// configuration has changed" (Converse's own default form, submitted as the room is made;
// what matters to a guest, as a room becoming non-anonymous, has codes of its own).
const HIDDEN_INFO_CODES = ['104', '170', '171', '201'];
const PALAVER_PLUGINS = ['palaver-landing', 'palaver-guest-resume', 'palaver-nick-clash', 'palaver-occupant-count', 'palaver-wording',
  'palaver-roles', 'palaver-room-menu', 'palaver-moderation', 'palaver-alerts', 'palaver-search', 'palaver-webcam'];

export function showJoinProblem(text, againLabel = 'Try again') {
  setMode('join-failed');
  $('joining-text').textContent = text;
  $('joining').querySelector('.join-actions')?.remove();
  const actions = document.createElement('p');
  actions.className = 'join-actions';
  const again = document.createElement('a');
  again.href = location.href;
  again.textContent = againLabel;
  const start = document.createElement('a');
  start.href = pageUrl(formParams()).href;
  start.textContent = 'Back to the start';
  actions.append(again, ' · ', start);
  $('joining').append(actions);
}

/**
 * An XMPP endpoint from public_url, or the same path on this page's own origin when
 * public_url names another one (a local install opened as 127.0.0.1 instead of localhost,
 * or public_url left at its default): page and endpoints are served by the same listener,
 * so this origin always reaches them, and the page stays on its own origin.
 */
function endpointUrl(configured) {
  const url = new URL(configured);
  const page = new URL(document.baseURI);
  const websocket = url.protocol.startsWith('ws');
  const pageOrigin = websocket ? page.origin.replace(/^http/, 'ws') : page.origin;
  if (url.origin === pageOrigin) return url.href;
  const local = new URL(url.pathname.split('/').pop(), page);
  if (websocket) local.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  console.warn(`Palaver: public_url points to ${url.origin}, but this page is at ${page.origin}; using ${local.href}`);
  return local.href;
}

function loadStylesheet(href) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

/**
 * Converse's settings for one guest in one room. `resumeJid` is the guest's previous address
 * when this tab left a resumable session behind (guest-resume.js): Converse resumes it.
 * `resumable` is false for a site sign-in, whose session Converse would not find on a reload
 * (its JID is unknown before sign-in too): kept for the server's resume time, it would only
 * be a ghost in the room.
 */
function converseOptions(converse, { assetsPath, roomJid, nick, resumeJid, resumable }) {
  const boshUrl = endpointUrl(settings.boshUrl);
  const media = settings.mediaHosts;
  const { Strophe } = converse.env;
  return {
    ...(settings.transport === 'bosh'
      ? { bosh_service_url: boshUrl }
      // WebSocket first; Converse falls back to BOSH if the WebSocket cannot connect.
      : { websocket_url: endpointUrl(settings.websocketUrl), bosh_service_url: boshUrl }),
    discover_connection_methods: false,
    assets_path: assetsPath,
    authentication: 'anonymous',
    jid: resumeJid ?? settings.anonymousDomain,
    // When sites may sign users in, the server offers OAUTHBEARER too, which Strophe prefers
    // even without a token: a plain guest asks for ANONYMOUS alone (jwt.js lifts this).
    connection_options: { mechanisms: [resumeJid ? resumingAnonymousMechanism(Strophe) : Strophe.SASLAnonymous] },
    auto_login: true,
    auto_reconnect: true,
    // XEP-0198 on the WebSocket, so that a reload resumes the guest's session (guest-resume.js).
    // Converse does not use it over BOSH.
    enable_smacks: resumable,
    view_mode: 'fullscreen',
    singleton: true,
    // A room this guest creates is titled with the name as the link gave it (`Café Zürich`,
    // not its address `café-zürich`); rooms that exist keep their title.
    auto_join_rooms: [{ jid: roomJid, nick, auto_configure: true, roomconfig: { roomname: settings.channelName ?? settings.channel } }],
    nickname: nick,
    muc_nickname_from_jid: false,
    muc_domain: settings.mucDomain,
    locked_muc_domain: 'hidden',
    hide_muc_server: true,
    muc_instant_rooms: true,
    auto_register_muc_nickname: false,
    muc_show_info_messages: Object.values(converse.MUC.INFO_CODES).flat()
      .filter((code) => !HIDDEN_INFO_CODES.includes(code)),
    allow_logout: false,
    allow_bookmarks: false,
    allow_adhoc_commands: false,
    allow_registration: false,
    allow_contact_requests: false,
    allow_muc_invitations: false,
    // The address keeps ?channel=…&nick=… for sharing and reloading.
    allow_url_history_change: false,
    show_client_info: false,
    show_controlbox_by_default: false,
    show_background: false,
    play_sounds: false,
    show_desktop_notifications: false,
    // Sharing one's location with strangers is one click too easy to do by mistake.
    visible_toolbar_buttons: { emoji: true, call: false, spoiler: false, location: false },
    // Media only from Palaver's upload service: an image URL someone pastes from elsewhere
    // stays a link, so the page never fetches from another origin.
    allowed_image_domains: media,
    allowed_video_domains: media,
    allowed_audio_domains: media,
    render_media: media,
    embed_3rd_party_media_players: false,
    fetch_url_headers: false,
    use_system_emojis: true,
    muc_search_service: '',
    autocomplete_providers_url: '',
    xmpp_providers_url: '',
    // OMEMO needs keys that outlive a visit; a guest's identity lasts one visit.
    // Headlines (the server's announcements) are shown in the room (server-notices.js): the
    // headlines feed has no place in this one-room view, and fails to open in it.
    // Its notifications are the page's own (alerts.js).
    blacklisted_plugins: ['converse-omemo', 'converse-omemo-views', 'converse-push', 'converse-adhoc-views',
      'converse-headlines', 'converse-headlines-view', 'converse-notification'],
    whitelisted_plugins: PALAVER_PLUGINS,
    persistent_store: 'sessionStorage',
    clear_cache_on_logout: true,
    loglevel: 'warn',
  };
}

/**
 * A Converse plugin that watches the room: the page shows Converse once the room has let the
 * guest in, and sends a refused nickname back to the form. `join` is the attempt's state,
 * shared with startChat: its timer, whether it is over, and how to stop Converse.
 */
function landingPlugin(converse, { roomJid, nick, isReload, join, fail, site }) {
  return {
    initialize() {
      const _converse = this._converse;
      const { api, exports } = _converse;
      const { ROOMSTATUS } = converse;
      const { Strophe } = converse.env;
      let retries = isReload ? RELOAD_RETRIES : 0;
      join.stopConverse = () => {
        api.settings.set('auto_reconnect', false);
        api.user.logout().catch(() => {});
      };
      const finish = () => {
        join.over = true;
        clearTimeout(join.timer);
      };

      // Converse 14 shows the notice for every status code in the room's presence: its check
      // of muc_show_info_messages tests the function instead of calling it. Check it here.
      const createInfoMessage = exports.MUC.prototype.createInfoMessageFromPresence;
      exports.MUC.prototype.createInfoMessageFromPresence = function (code, attrs) {
        if (!api.settings.get('muc_show_info_messages').includes(code)) return undefined;
        return createInfoMessage.call(this, code, attrs);
      };

      /**
       * Why the room let us go, when it did: removed, banned, or closed (Converse has a message
       * for each; a lost connection has none, and Converse rejoins by itself). Else null.
       */
      const closedBy = (muc, status) => {
        const message = muc.session.get('disconnection_message');
        if (!message || ![ROOMSTATUS.DISCONNECTED, ROOMSTATUS.BANNED, ROOMSTATUS.DESTROYED].includes(status)) return null;
        return { message, actor: muc.session.get('disconnection_actor'), reason: muc.session.get('disconnection_reason') };
      };

      const onRoomStatus = (muc) => {
        const status = muc.session.get('connection_status');
        if (status === ROOMSTATUS.ENTERED) {
          finish();
          rememberJoined(settings.channel, muc.get('nick') || nick);
          setMode('chat');
        } else if (status === ROOMSTATUS.PASSWORD_REQUIRED) {
          finish(); // Converse asks for the password itself
          setMode('chat');
        } else if (join.over) {
          // Once in: removed, banned, or the room closed. No dead end: the page says what
          // happened and offers the way back in.
          const why = closedBy(muc, status);
          if (!why) return;
          join.stopConverse();
          showJoinProblem(`${why.message}${why.actor ? ` by ${why.actor}` : ''}.${why.reason ? ` (${why.reason})` : ''}`, 'Join again');
        } else if (status === ROOMSTATUS.NICKNAME_REQUIRED) {
          // The nickname is in use. On a reload that is most likely our own previous
          // connection, which the server is about to drop: try again shortly.
          if (retries > 0) {
            retries -= 1;
            setTimeout(() => muc.join(nick), RELOAD_RETRY_DELAY_MS);
            return;
          }
          finish();
          join.stopConverse();
          location.replace(pageUrl({ ...formParams(), taken: nick }));
        } else {
          const why = closedBy(muc, status);
          if (why) fail(`You can’t join this room right now. ${why.message}${why.reason ? ` (${why.reason})` : ''}`);
        }
      };

      api.listen.on('chatRoomInitialized', (muc) => {
        if (muc.get('jid') !== roomJid) return;
        muc.session.on('change:connection_status', () => onRoomStatus(muc));
        onRoomStatus(muc);
        // A new nickname (the room menu, or /nick) goes into the address too, so a reload
        // or a bookmark brings the guest back under the name they now use.
        muc.on('change:nick', () => {
          const current = muc.get('nick');
          if (muc.session.get('connection_status') !== ROOMSTATUS.ENTERED || !current) return;
          history.replaceState(null, '', pageUrl({ ...formParams(), nick: current }));
          rememberJoined(settings.channel, current);
        });
      });

      // Refused as a guest (sign-ins limited, or guests turned off): Converse would retry
      // for ever behind a spinner.
      api.listen.on('connfeedback', (feedback) => {
        if (!join.over && feedback.get('connection_status') === Strophe.Status.AUTHFAIL) {
          fail(site ? SITE_SIGN_IN_REFUSED : 'The chat server is not letting guests in right now. Please wait a minute and try again.');
        }
      });

      showServerNotices(_converse, roomJid);
    },
  };
}

export async function startChat() {
  const { channel } = settings;
  let site;
  try {
    site = await siteSignIn();
  } catch (error) {
    showJoinProblem(error.message);
    return;
  }
  const nick = site?.nick ?? settings.nick;
  const isReload = wasJoinedHere(channel, nick);
  if (!isReload && !site) {
    const refusal = await nickRefusal(channel, nick);
    if (refusal) {
      backToForm(refusal);
      return;
    }
  }

  const assetsPath = new URL(`${settings.assetsPath}converse/`, document.baseURI).href;
  loadStylesheet(`${assetsPath}converse.min.css`);
  let converse;
  try {
    ({ default: converse } = await import(`${assetsPath}converse.min.js`));
  } catch {
    showJoinProblem('The chat could not be loaded. Please check your connection and try again.');
    return;
  }
  // Converse shows no message (the welcome, history) before it has its emoji table, and asks
  // for it only once it is in the room: ask now, while it starts and signs in, so that its
  // own request finds the file in the cache. Earlier, a preload slowed Converse's own download.
  fetch(`${assetsPath}emoji.json`).catch(() => {});

  const roomJid = `${channel}@${settings.mucDomain}`;
  const join = { timer: 0, over: false, stopConverse: () => {} };
  const fail = (text) => {
    if (join.over) return;
    join.over = true;
    clearTimeout(join.timer);
    join.stopConverse();
    showJoinProblem(text);
  };
  join.timer = setTimeout(() => {
    fail('Joining the room is taking too long. Please check your connection and try again.');
  }, JOIN_TIMEOUT_MS);

  // Only a plain guest resumes: a site sign-in has an account's address, not a guest's.
  const resumeJid = site ? null : takeResumableJid(channel, nick);
  converse.plugins.add('palaver-landing', landingPlugin(converse, { roomJid, nick, isReload, join, fail, site }));
  converse.plugins.add('palaver-guest-resume', guestResumePlugin(converse, { roomJid, channel, resumeJid }));
  converse.plugins.add('palaver-nick-clash', nickClashPlugin(converse));
  converse.plugins.add('palaver-occupant-count', occupantCountPlugin(converse));
  converse.plugins.add('palaver-wording', wordingPlugin(converse));
  converse.plugins.add('palaver-roles', rolesPlugin());
  const leave = () => {
    join.stopConverse();
    showJoinProblem('You left the room.', 'Join again');
  };
  converse.plugins.add('palaver-room-menu', roomMenuPlugin(converse, { roomJid, leave }));
  converse.plugins.add('palaver-moderation', moderationPlugin({ roomJid }));
  converse.plugins.add('palaver-alerts', alertsPlugin(converse, { roomJid }));
  converse.plugins.add('palaver-search', searchPlugin(converse, { roomJid }));
  converse.plugins.add('palaver-webcam', webcamPlugin(converse, roomJid));
  const options = converseOptions(converse, { assetsPath, roomJid, nick, resumeJid, resumable: !site });
  await converse.initialize({ ...options, ...(site && siteConverseOptions(site)) });
}

