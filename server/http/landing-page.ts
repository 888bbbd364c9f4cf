/**
 * The landing page, rendered per request from landing/index.html and the config: the form
 * (with the link's values checked and a friendly message when they do not fit), or, when
 * the link names both a room and a usable nickname, the settings that make landing.js start
 * Converse.js straight away. Every value from the config or the query is escaped here.
 */
import type { Config } from '../config/types.js';
import { plainDuration } from '../config/units.js';
import { Jid, JidError } from '../jid/jid.js';
import { checkNick as checkMucNick, checkRoomName, codePoints } from '../muc/validation.js';
import { isWelcomeNick } from '../muc/channel-welcome-nick.js';
import { publicTransportUrls } from './endpoints.js';
import { roomAddress } from './room-address.js';
import { escapeHtml, inlineJson, sanitiseInfoHtml, SafeHtml } from './landing-html.js';
import { contactLinks } from './contact-links.js';

/**
 * Longest nickname the page accepts, in characters: shorter than rooms allow (muc/limits.ts),
 * because a guest's name shows in every message line, on a phone too.
 */
const NICK_MAX_LENGTH = 32;
/** Query values past this length are not worth normalising; they are refused as they are. */
const MAX_QUERY_VALUE = 1024;

export type Transport = 'websocket' | 'bosh';

/** What landing.js receives, as JSON inside the page. */
export interface LandingSettings {
  mode: 'form' | 'join';
  /** The room's localpart, normalised, or null when the link named none (or a bad one). */
  channel: string | null;
  /** The room's name as the link gives it (room-address.ts), for the page and its links. */
  channelName: string | null;
  nick: string | null;
  transport: Transport;
  /** Whether the link chose the transport (then the form keeps the choice). */
  transportChosen: boolean;
  mucDomain: string;
  anonymousDomain: string;
  /** public_url with a trailing slash: the base of the links to share. */
  publicUrl: string;
  websocketUrl: string;
  boshUrl: string;
  /** Hosts whose images, audio and video Converse may show inline: the upload host only. */
  mediaHosts: string[];
  /** [calls].relay_only: webcams and calls only through the TURN server (iceTransportPolicy 'relay'). */
  callsRelayOnly: boolean;
  nickMaxLength: number;
  channels: { name: string; title: string }[];
  /** [auth.jwt]: the link brought a site's token (or the framing page will hand it over), and who may frame the page. */
  siteSignIn: { mode: Config['auth']['jwt']['mode']; token: boolean; frameAncestors: string[] };
  /** Where this version's page files and Converse.js are, relative to the page. */
  assetsPath: string;
}

/** The parts of the query the page reads: the first value of each, as sent. */
export interface LandingQuery {
  channel?: string;
  nick?: string;
  transport?: string;
  /** Set by landing.js when the room refused the nickname as already in use. */
  taken?: string;
  /**
   * A site's sign-in token, or "postMessage" when the framing page hands it over. Only its
   * presence is read here: the token itself is for landing/jwt.js and the SASL exchange.
   */
  jwt?: string;
}

export type NickProblem = 'blank' | 'too-long' | 'invalid';

/** The URLs the page and Converse use, all derived from [listen].public_url. */
export interface PublicUrls {
  /** public_url with a trailing slash. */
  publicUrl: string;
  websocketUrl: string;
  boshUrl: string;
  host: string;
}

export function publicUrls(config: Config): PublicUrls {
  const transports = publicTransportUrls(config);
  const base = new URL(config.listen.public_url);
  return {
    publicUrl: config.listen.public_url.replace(/\/*$/, '/'),
    websocketUrl: transports.websocket,
    boshUrl: transports.bosh,
    host: base.hostname,
  };
}

/** A room name from a link, normalised as the MUC service will see it, or null if unusable. */
export function normaliseChannel(config: Config, value: string): string | null {
  if (value.length > MAX_QUERY_VALUE) return null;
  try {
    const room = Jid.of(value.trim(), config.muc.domain).local!;
    return checkRoomName(room) === null ? room : null;
  } catch (error) {
    if (error instanceof JidError) return null;
    throw error;
  }
}

/** A nickname from a link or the form, trimmed, checked by the MUC's own rules and our length. */
export function checkNick(config: Config, room: string, value: string): { nick: string } | { problem: NickProblem } {
  const trimmed = value.trim().normalize('NFC');
  if (trimmed === '') return { problem: 'blank' };
  if (codePoints(trimmed) > NICK_MAX_LENGTH) return { problem: 'too-long' };
  const nick = checkMucNick(Jid.of(room, config.muc.domain), trimmed);
  return typeof nick === 'string' ? { nick } : { problem: 'invalid' };
}

const NICK_MESSAGES: Record<NickProblem, string> = {
  blank: 'Please choose a nickname.',
  'too-long': `That nickname is too long. Please use at most ${NICK_MAX_LENGTH} characters.`,
  invalid: 'That nickname contains characters that can’t be used. Please try another one.',
};

export function nickMessage(problem: NickProblem): string {
  return NICK_MESSAGES[problem];
}

export function takenMessage(nick: string): string {
  return `Someone in this room is already called “${nick}”. Please pick a different nickname.`;
}

/** A channel's welcome comes from a nickname of its own (muc/channel-welcome-nick.ts). */
export const WELCOME_NICK_MESSAGE = 'That name is used by the room for its welcome message. Please pick a different nickname.';

/** Why the room refused a nickname the page sent it to (a rejoin, or a site's user, skips the check first). */
function refusedMessage(config: Config, room: string, nick: string): string {
  return isWelcomeNick(config, room, nick) ? WELCOME_NICK_MESSAGE : takenMessage(nick);
}

const TOKEN_REQUIRED_MESSAGE = 'Only members of the site this chat belongs to can join it. Please open the chat from that site.';
const GUESTS_OFF_MESSAGE = 'This server does not let guests chat from the browser. You can still join with an XMPP app, using the link below.';

/** Everything the template needs, decided from the config and the query. */
function landingSettings(config: Config, query: LandingQuery, assetsPath: string): { settings: LandingSettings; message: string | null; nickValue: string } {
  const urls = publicUrls(config);
  const transportChosen = query.transport === 'bosh' || query.transport === 'websocket';
  const transport: Transport = query.transport === 'bosh' ? 'bosh' : 'websocket';
  let message: string | null = null;

  const channelGiven = query.channel !== undefined && query.channel.trim() !== '';
  const address = channelGiven ? roomAddress(config, query.channel!.slice(0, MAX_QUERY_VALUE)) : null;
  const channel = address !== null && 'room' in address ? address.room : null;
  const channelName = address !== null && 'room' in address ? address.name : null;
  if (address !== null && 'problem' in address) message = address.problem;

  let nick: string | null = null;
  const nickValue = (query.nick ?? query.taken ?? '').slice(0, MAX_QUERY_VALUE);
  if (query.taken !== undefined && channel !== null) {
    message = refusedMessage(config, channel, query.taken.trim().slice(0, NICK_MAX_LENGTH * 2));
  } else if (query.nick !== undefined && channel !== null) {
    const checked = checkNick(config, channel, nickValue);
    if ('nick' in checked) nick = checked.nick;
    else message = nickMessage(checked.problem);
  }
  const { jwt } = config.auth;
  const siteToken = jwt.mode !== 'off' && query.jwt !== undefined && query.jwt !== '' && channel !== null;
  if (siteToken) {
    nick = null; // the token's nickname, which landing/jwt.js reads
  } else if (jwt.mode === 'required') {
    message = TOKEN_REQUIRED_MESSAGE;
    nick = null;
  }
  // Converse signs guests in on the anonymous domain; without it there is no chat to start.
  if (!config.anonymous.enabled) {
    message = GUESTS_OFF_MESSAGE;
    nick = null;
  }

  return {
    message,
    nickValue,
    settings: {
      mode: channel !== null && (nick !== null || siteToken) ? 'join' : 'form',
      channel,
      channelName,
      nick,
      transport,
      transportChosen,
      mucDomain: config.muc.domain,
      anonymousDomain: config.anonymous.domain,
      publicUrl: urls.publicUrl,
      websocketUrl: urls.websocketUrl,
      boshUrl: urls.boshUrl,
      mediaHosts: config.upload.enabled ? [urls.host] : [],
      callsRelayOnly: config.calls.relay_only,
      nickMaxLength: NICK_MAX_LENGTH,
      channels: config.channels.map((c) => ({ name: c.name, title: c.title || c.name })),
      siteSignIn: { mode: jwt.mode, token: siteToken && config.anonymous.enabled, frameAncestors: jwt.frame_ancestors },
      assetsPath,
    },
  };
}

/** One sentence for the form on what happens to messages, from [muc] archive and history. */
function historyNote(config: Config): string {
  const { archive, archive_expires_after: expiresAfter, history_length: historyLength } = config.muc;
  if (archive) {
    const kept = expiresAfter > 0 ? ` for ${plainDuration(expiresAfter)}` : '';
    return `Messages are kept${kept}, so people who join later can read them.`;
  }
  if (historyLength > 0) return `Messages are not stored; people who join later see the last ${historyLength}.`;
  return 'Messages are not stored; people who join later see only what is said after they arrive.';
}

/** How the page names a room: its [[channels]] title, else its name as the link gave it. */
function channelTitle(settings: LandingSettings, channel: string): string {
  return settings.channels.find((c) => c.name === channel)?.title ?? settings.channelName ?? channel;
}

/** The link that opens the form for a room. */
function shareUrl(settings: LandingSettings, channel: string): string {
  return `${settings.publicUrl}?channel=${encodeURIComponent(channel)}`;
}

/** An RFC 5122 URI that makes an XMPP app join the room. */
function xmppJoinUri(settings: LandingSettings, channel: string): string {
  return `xmpp:${encodeURIComponent(channel)}@${settings.mucDomain}?join`;
}

/** Fills landing/index.html. Each {{name}} must have a value; plain strings are escaped. */
function renderTemplate(template: string, values: Record<string, string | SafeHtml>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`landing template: no value for {{${name}}}`);
    return value instanceof SafeHtml ? value.html : escapeHtml(value);
  });
}

/** `modules`: the page's modules (paths under landing/) to preload, when they are not bundled. */
export function renderLandingPage(template: string, config: Config, query: LandingQuery, assetsPath: string, modules: readonly string[] = []): string {
  const { settings, message, nickValue } = landingSettings(config, query, assetsPath);
  // The room the share links point at: the link's, else the first listed one.
  const shareChannel = settings.channel ?? settings.channels[0]?.name ?? null;
  const shareName = settings.channelName ?? shareChannel;
  return renderTemplate(template, {
    title: config.landing.title,
    assets: assetsPath,
    greeting: config.landing.greeting,
    info: sanitiseInfoHtml(config.landing.info),
    contacts: contactLinks(config.server.contact),
    settings: inlineJson(settings),
    mode: settings.mode,
    joiningText: settings.mode === 'join'
      ? `Joining ${channelTitle(settings, settings.channel!)}${settings.nick === null ? '' : ` as ${settings.nick}`}…` : '',
    message: message ?? '',
    modulePreloads: new SafeHtml(modules.map((module) => `<link rel="modulepreload" href="${escapeHtml(assetsPath)}landing/${escapeHtml(module)}">`).join('')),
    preloads: new SafeHtml(settings.mode === 'join'
      ? `<link rel="modulepreload" href="${escapeHtml(assetsPath)}converse/converse.min.js">`
        + `<link rel="preload" as="style" href="${escapeHtml(assetsPath)}converse/converse.min.css">`
      : ''),
    messageHidden: new SafeHtml(message === null ? ' hidden' : ''),
    nick: nickValue,
    nickMaxLength: String(NICK_MAX_LENGTH),
    historyNote: historyNote(config),
    channelField: channelField(settings, query.channel),
    transportField: new SafeHtml(settings.transportChosen
      ? `<input type="hidden" name="transport" value="${escapeHtml(settings.transport)}">`
      : ''),
    shareHidden: new SafeHtml(shareChannel === null ? ' hidden' : ''),
    shareUrl: shareName === null ? '' : shareUrl(settings, shareName),
    xmppUri: shareChannel === null ? '' : xmppJoinUri(settings, shareChannel),
  });
}

/**
 * The room field: a list of the configured rooms when the link named none of them (or
 * named nothing), otherwise a text box holding the link's room.
 */
function channelField(settings: LandingSettings, given: string | undefined): SafeHtml {
  const listed = settings.channels.some((c) => c.name === settings.channel);
  const nothingGiven = given === undefined || given.trim() === '';
  if (settings.channels.length > 0 && (settings.channel === null ? nothingGiven : listed)) {
    const options = settings.channels.map((c) => {
      const selected = c.name === settings.channel ? ' selected' : '';
      return `<option value="${escapeHtml(c.name)}"${selected}>${escapeHtml(c.title)}</option>`;
    });
    return new SafeHtml(`<select id="channel" name="channel" required>${options.join('')}</select>`);
  }
  const value = settings.channelName ?? given ?? '';
  return new SafeHtml(
    `<input id="channel" name="channel" type="text" value="${escapeHtml(value.slice(0, MAX_QUERY_VALUE))}" required`
    + ' autocapitalize="off" spellcheck="false" placeholder="e.g. lobby">',
  );
}
