// A Converse plugin: by each name in the participant list, what that person may do, in the
// words of ROLE_WORDS (wording.js) instead of Converse's "O"/"MO" badges, which mean nothing
// to a guest (landing.css hides them). Converse's badges are private to its template, so the
// word is added after each time Converse draws an entry, as the calls' Watch button is.

import { roleWord } from './wording.js';

const LIST_ITEM = 'converse-muc-occupant-list-item';

export function rolesPlugin() {
  return {
    initialize() {
      // Converse defines its elements as its views load, which may be after this plugin starts.
      customElements.whenDefined(LIST_ITEM).then(() => {
        const Item = customElements.get(LIST_ITEM);
        const updated = Item.prototype.updated;
        Item.prototype.updated = function (changed) {
          updated?.call(this, changed);
          showRoleWord(this);
        };
      });
    },
  };
}

/** Puts (or takes away) the word by the name in one drawn entry of the list. */
function showRoleWord(item) {
  const place = item.querySelector('.occupant-nick-badge');
  if (!place || !item.model) return;
  const word = roleWord(item.model.get('affiliation'), item.model.get('role'));
  let label = place.querySelector('.palaver-role');
  if (!word) {
    label?.remove();
    return;
  }
  if (!label) {
    label = document.createElement('span');
    label.className = 'palaver-role';
    // Just after the name, before Converse's badges and the calls' Watch button.
    place.querySelector('.occupant-nick')?.after(label);
  }
  if (label.textContent !== word) label.textContent = word;
}
