// A Converse plugin: what tells a guest of new messages while the tab is in the background.
// The tab's title counts them ("(3) Lobby", "(@3) Lobby" once one names the guest); a sound
// and desktop notifications are offered in the room's menu, both off until the guest turns
// them on (the browser asks for notifications then, on that click, never by itself). The
// sound is Palaver's own file (landing/message.wav), so nothing is fetched from elsewhere.
// Converse's notification plugin is left out (chat.js): it asks for permission on connect
// and counts only mentions of rooms.

import { menuItem, withItems } from './room-menu.js';
import { settings } from './page.js';

const PREFERENCES_KEY = 'palaver.alerts';

function loadPreferences() {
  try {
    return { sound: false, desktop: false, ...JSON.parse(localStorage.getItem(PREFERENCES_KEY) ?? '{}') };
  } catch {
    return { sound: false, desktop: false };
  }
}

function savePreferences(preferences) {
  try {
    localStorage.setItem(PREFERENCES_KEY, JSON.stringify(preferences));
  } catch {
    // storage disabled: the choice lasts for this visit
  }
}

/** The tab title for `unread` new messages, `mentions` of them naming the guest. */
export function titleWithUnread(title, unread, mentions) {
  if (unread === 0) return title;
  return `(${mentions > 0 ? '@' : ''}${unread}) ${title}`;
}

const desktopAllowed = () => 'Notification' in window && Notification.permission === 'granted';

export function alertsPlugin(converse, { roomJid }) {
  return {
    initialize() {
      const { api } = this._converse;
      const preferences = loadPreferences();
      const asset = (name) => new URL(`${settings.assetsPath}landing/${name}`, document.baseURI).href;
      const baseTitle = document.title;
      let unread = 0;
      let mentions = 0;
      let sound = null;

      const showTitle = () => { document.title = titleWithUnread(baseTitle, unread, mentions); };
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState !== 'visible') return;
        unread = 0;
        mentions = 0;
        showTitle();
      });

      const notify = (muc, message, mentioned) => {
        const nick = message.get('nick') ?? '';
        const room = muc.getDisplayName();
        const notification = new Notification(mentioned ? `${nick} mentioned you in ${room}` : `${nick} in ${room}`, {
          body: message.get('body'),
          icon: asset('icon.svg'),
          tag: roomJid,
        });
        notification.addEventListener('click', () => {
          window.focus();
          notification.close();
        });
      };

      const onMessage = (muc, message) => {
        if (document.visibilityState === 'visible') return;
        if (message.get('type') !== 'groupchat' || message.get('sender') !== 'them') return;
        if (message.get('is_delayed') || message.get('is_archived') || !message.get('body')) return;
        const mentioned = muc.isUserMentioned(message);
        unread += 1;
        if (mentioned) mentions += 1;
        showTitle();
        if (preferences.sound) {
          sound ??= new Audio(asset('message.wav'));
          sound.currentTime = 0;
          sound.play().catch(() => {}); // the browser may refuse before the guest has clicked anything
        }
        if (preferences.desktop && desktopAllowed()) notify(muc, message, mentioned);
      };

      api.listen.on('chatRoomInitialized', (muc) => {
        if (muc.get('jid') !== roomJid) return;
        muc.messages.on('add', (message) => onMessage(muc, message));
      });

      const say = (text) => api.rooms.get(roomJid).then((muc) => muc?.createMessage({ type: 'info', message: text, is_ephemeral: true }));
      const refreshMenu = () => document.querySelectorAll('converse-muc-heading').forEach((heading) => heading.requestUpdate());
      const toggleSound = () => {
        preferences.sound = !preferences.sound;
        savePreferences(preferences);
        refreshMenu();
        say(preferences.sound ? 'A sound will play for new messages while this tab is in the background.' : 'No more sound for new messages.');
      };
      const toggleDesktop = async () => {
        if (preferences.desktop) {
          preferences.desktop = false;
        } else if (!('Notification' in window)) {
          say('This browser cannot show notifications.');
          return;
        } else {
          const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
          if (permission !== 'granted') {
            say('Your browser blocks notifications from this page: allow them in its site settings, then try again.');
            return;
          }
          preferences.desktop = true;
        }
        savePreferences(preferences);
        refreshMenu();
        say(preferences.desktop ? 'You will be notified of new messages while this tab is in the background.' : 'No more notifications.');
      };

      api.listen.on('getHeadingButtons', (view, buttons) => {
        if (view.model?.get('jid') !== roomJid) return buttons;
        const desktopOn = preferences.desktop && desktopAllowed();
        return withItems(buttons, [
          menuItem('palaver-notify', desktopOn ? 'Stop notifications' : 'Notify me of new messages',
            'Desktop notifications while this tab is in the background', desktopOn ? 'fa-bell-alt' : 'fa-bell', toggleDesktop),
          menuItem('palaver-sound', preferences.sound ? 'Turn the sound off' : 'Turn the sound on',
            'A short sound for new messages while this tab is in the background', preferences.sound ? 'fa-volume-xmark' : 'fa-volume-high', toggleSound),
        ]);
      });
    },
  };
}
