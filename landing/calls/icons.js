// The calls' icons, drawn inline as SVG: an emoji or an icon font may be missing on the
// device (Converse's own icon set has no camera), a path never is. They take the text's
// colour and size, and are hidden from screen readers: the button's words say what it does.

const SVG = 'http://www.w3.org/2000/svg';

function icon(className, ...paths) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `calls-icon ${className}`);
  return withPaths(svg, paths);
}

function withPaths(parent, paths) {
  for (const d of paths) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    parent.append(path);
  }
  return parent;
}

/** A video camera: a body and its lens cone. */
const CAMERA = [
  'M3 6.5A1.5 1.5 0 0 1 4.5 5h10A1.5 1.5 0 0 1 16 6.5v11a1.5 1.5 0 0 1-1.5 1.5h-10A1.5 1.5 0 0 1 3 17.5z',
  'M17 10l4-2.5v9L17 14z',
];
export const cameraIcon = () => icon('calls-icon-camera', ...CAMERA);

/**
 * Converse draws its menu icons from symbols in the page (`<converse-icon class="fa fa-video">`
 * uses `#icon-video`), and its set has no camera: the "Video call" item gets this one.
 */
export function addVideoSymbol() {
  if (document.getElementById('icon-video')) return;
  const sprite = document.createElementNS(SVG, 'svg');
  sprite.setAttribute('aria-hidden', 'true');
  sprite.style.display = 'none';
  const symbol = document.createElementNS(SVG, 'symbol');
  symbol.id = 'icon-video';
  symbol.setAttribute('viewBox', '0 0 24 24');
  sprite.append(withPaths(symbol, CAMERA));
  document.body.append(sprite);
}

/** A microphone struck through: the microphone is off. */
export const micOffIcon = () => icon('calls-icon-mic-off',
  'M12 3a3 3 0 0 1 3 3v5a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3z',
  'M6 11a6 6 0 0 0 12 0M12 17v4M4 4l16 16');

/** Puts an icon before a control's words (replacing what it showed). */
export function withIcon(element, makeIcon, text) {
  element.replaceChildren(makeIcon(), text);
}
