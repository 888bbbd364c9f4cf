// What the page shows of webcams: the "Camera" button, one's own picture with the plain
// "You are sharing your camera" state (and "Microphone off" when muted), who is watching
// (each with a Stop button), and the cameras one watches. Only drawing here; webcam.js decides.

import { cameraIcon, micOffIcon, withIcon } from './icons.js';

const make = (tag, attrs = {}, ...children) => {
  const element = Object.assign(document.createElement(tag), attrs);
  element.append(...children);
  return element;
};

/** A button whose words say what it does next: `toggle()` returns the new words. */
export function toggleButton(text, toggle) {
  const button = make('button', { type: 'button', className: 'secondary', textContent: text });
  button.onclick = () => { button.textContent = toggle(); };
  return button;
}

export class CallsPanel {
  /** @param {{ onCamera: () => void, onMute: () => void }} actions */
  constructor(actions) {
    this.status = make('p', { className: 'calls-status', role: 'status' });
    this.camera = make('button', { type: 'button', className: 'calls-camera', onclick: actions.onCamera });
    withIcon(this.camera, cameraIcon, 'Camera');
    this.mute = make('button', { type: 'button', className: 'calls-mute secondary', hidden: true, onclick: actions.onMute });
    this.ownVideo = make('video', { muted: true, autoplay: true, playsInline: true });
    this.muted = make('span', { className: 'calls-muted', hidden: true });
    withIcon(this.muted, micOffIcon, 'Microphone off');
    this.own = make('figure', { className: 'calls-own', hidden: true }, this.ownVideo,
      make('figcaption', {}, make('span', { className: 'calls-live', ariaHidden: 'true' }), 'You are sharing your camera', this.muted));
    this.watchers = make('ul', { className: 'calls-watchers', ariaLabel: 'Watching you' });
    this.tiles = make('div', { className: 'calls-tiles' });
    this.root = make('section', { id: 'palaver-calls', className: 'palaver-calls', ariaLabel: 'Cameras' },
      this.tiles, this.own, this.watchers, make('p', { className: 'calls-controls' }, this.camera, this.mute), this.status);
    document.body.append(this.root);
  }

  say(text) {
    this.status.textContent = text;
  }

  /** @param {{ stream: MediaStream, micMuted: boolean } | null} sharing */
  showSharing(sharing) {
    withIcon(this.camera, cameraIcon, sharing ? 'Stop camera' : 'Camera');
    this.camera.classList.toggle('calls-stop', Boolean(sharing));
    this.own.hidden = !sharing;
    this.ownVideo.srcObject = sharing?.stream ?? null;
    const hasMic = Boolean(sharing?.stream.getAudioTracks().length);
    this.mute.hidden = !hasMic;
    this.mute.textContent = sharing?.micMuted ? 'Unmute microphone' : 'Mute microphone';
    this.muted.hidden = !(hasMic && sharing?.micMuted);
    this.root.classList.toggle('calls-sharing', Boolean(sharing));
  }

  /** @param {{ nick: string, stop: () => void }[]} watchers */
  showWatchers(watchers) {
    this.watchers.replaceChildren(...watchers.map(({ nick, stop }) => make('li', {}, `${nick} is watching `,
      make('button', { type: 'button', className: 'secondary', textContent: 'Stop', title: `Stop ${nick} watching`, onclick: stop }))));
    this.watchers.hidden = watchers.length === 0;
  }

  /** A tile for a camera one watches or a call (`key`: the nick, or "nick (call)"); returns its video element. */
  addTile(key, label, stream, stop, stopText = 'Stop watching', extraButtons = []) {
    const video = make('video', { autoplay: true, playsInline: true, srcObject: stream });
    const buttons = [...extraButtons, make('button', { type: 'button', className: 'secondary', textContent: stopText, onclick: stop })];
    const tile = make('figure', { className: 'calls-tile' }, video, make('figcaption', {}, label, ' ', make('span', {}, ...buttons)));
    tile.dataset.nick = key;
    this.tiles.append(tile);
    // `autoplay` alone may not start a video with sound (phones' autoplay rules): start it now,
    // while the tap that asked for it counts, and if the browser still says no, let a tap do it.
    video.play().catch(() => {
      const play = make('button', { type: 'button', textContent: 'Play', onclick: () => video.play().then(() => play.remove(), () => {}) });
      buttons.at(-1).before(play);
    });
    return video;
  }

  /** A question with answers (an incoming call); returns a function that takes it away. */
  ask(text, answers) {
    const box = make('div', { className: 'calls-question', role: 'alertdialog', ariaLabel: text }, make('p', { textContent: text }),
      make('p', { className: 'calls-controls' }, ...answers.map(({ label, action, secondary }) => make('button', {
        type: 'button', className: secondary ? 'secondary' : '', textContent: label, onclick: () => { box.remove(); action(); },
      }))));
    this.root.prepend(box);
    return () => box.remove();
  }

  removeTile(nick) {
    this.tiles.querySelector(`figure[data-nick="${CSS.escape(nick)}"]`)?.remove();
  }
}

/**
 * A "Watch" button by the name of each participant whose camera is on, in Converse's
 * participant list (kept there as Converse redraws the list).
 * @param {(nick: string) => ({ camera: boolean, watching: boolean } | null)} stateOf
 */
export function decorateParticipants(stateOf, onWatch) {
  const update = () => {
    for (const item of document.querySelectorAll('converse-muc-sidebar li.occupant, .occupant-list li.occupant')) {
      const nick = item.querySelector('.occupant-nick')?.textContent.trim();
      const state = nick ? stateOf(nick) : null;
      let button = item.querySelector('button.calls-watch');
      if (!state?.camera) {
        button?.remove();
        continue;
      }
      if (!button) {
        button = make('button', { type: 'button', className: 'calls-watch' });
        button.addEventListener('click', (event) => {
          event.preventDefault();
          event.stopPropagation();
          onWatch(button.dataset.nick);
        });
        item.querySelector('.occupant-nick-badge')?.append(button);
      }
      const text = state.watching ? 'Stop watching' : 'Watch';
      if (button.textContent !== text) withIcon(button, cameraIcon, text);
      button.dataset.nick = nick;
      button.title = state.watching ? `Stop watching ${nick}’s camera` : `${nick}’s camera is on: watch it`;
    }
  };
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      update();
    }, 0);
  };
  new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  return schedule;
}
