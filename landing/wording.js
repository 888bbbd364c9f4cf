// A Converse plugin: plain English for people who have never heard of XMPP, through
// Converse's own translation hook (every string it shows goes through i18n.translate).

/**
 * What someone may do in the room, in the words the page shows by their name (roles.js) and
 * wherever Converse names an affiliation or a role. Members and participants are everyone
 * else: they get no word, so that a word always means something more (or less) than usual.
 */
export const ROLE_WORDS = Object.freeze({
  owner: 'Host',
  admin: 'Co-host',
  moderator: 'Can remove people',
  visitor: 'Listener',
});

/** The one word for someone's standing in the room: their affiliation first (a host is a moderator too), else their role. */
export function roleWord(affiliation, role) {
  return ROLE_WORDS[affiliation] ?? ROLE_WORDS[role] ?? '';
}

const PLAIN = new Map([
  ['%1$s has entered the groupchat', '%1$s joined'],
  ['%1$s have entered the groupchat', '%1$s joined'],
  ['%1$s has left the groupchat', '%1$s left'],
  ['%1$s have left the groupchat', '%1$s left'],
  // Converse 14 writes "Participants" after every count, 1 included ("1 Participants"):
  // "1 in the room", "5 in the room" read right either way.
  ['Participants', 'in the room'],
  ['Participant', 'in the room'],
  ['Enter groupchat', 'Join the room'],
  // "Remove from the room" (moderation.js) is what the host pressed: the notice says the same.
  ['%1$s has been kicked out by %2$s', '%1$s was removed from the room by %2$s'],
  ['%1$s has been kicked out', '%1$s was removed from the room'],
  ['You have been kicked from this groupchat', 'You were removed from the room'],
  // Affiliations and roles where Converse names them (someone's details). "Moderator" stays:
  // Converse also uses the word alone for the moderator tools, where "Can remove people" would not read.
  ['Owner', ROLE_WORDS.owner],
  ['Admin', ROLE_WORDS.admin],
  ['Visitor', ROLE_WORDS.visitor],
  ['Change nickname', 'Change your name'],
]);

/** The plain form of one of Converse's strings; "groupchat" is a "room" everywhere else. */
export function plainWords(text) {
  const plain = PLAIN.get(text);
  if (plain !== undefined) return plain;
  return text
    .replace(/\bgroupchats\b/g, 'rooms').replace(/\bgroupchat\b/g, 'room')
    .replace(/\bGroupchats\b/g, 'Rooms').replace(/\bGroupchat\b/g, 'Room');
}

export function wordingPlugin(converse) {
  return {
    initialize() {
      const { i18n } = converse.env;
      const translate = i18n.translate.bind(i18n);
      i18n.translate = (text, args) => translate(typeof text === 'string' ? plainWords(text) : text, args);
      // The room notices Converse words once, when its plugins start (before this one).
      rewordLabels(this._converse.labels ?? {});
    },
  };
}

/** Rewords every string in Converse's precomputed labels (a few levels of plain objects). */
function rewordLabels(labels, depth = 0) {
  if (depth > 3) return;
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value === 'string') labels[key] = plainWords(value);
    else if (value && typeof value === 'object') rewordLabels(value, depth + 1);
  }
}
