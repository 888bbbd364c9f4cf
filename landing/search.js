// A Converse plugin: searching the room's archive. "Search messages" in the room's menu opens
// a card; the words go to the room as a MAM query (XEP-0313) with the full-text field
// Palaver's archive understands (XEP-0431, server/muc/archive/query.ts); results show date,
// author and text, newest first, and a click shows the messages around one.

import { menuItem } from './room-menu.js';
import { $ } from './page.js';

const NS_MAM = 'urn:xmpp:mam:2';
const NS_FORWARD = 'urn:xmpp:forward:0';
const NS_DELAY = 'urn:xmpp:delay';
const FULLTEXT_FIELD = '{urn:xmpp:fulltext:0}fulltext';
const RESULTS = 20;
const AROUND = 3;
const QUERY_MAX_LENGTH = 200;

export function searchPlugin(converse, { roomJid }) {
  return {
    initialize() {
      const { api } = this._converse;
      const { $iq, Strophe } = converse.env;
      let queries = 0;

      /** One page of the room's archive: `{ id, time, nick, body }`, oldest first. */
      const queryArchive = async ({ text, before, after, max }) => {
        const queryId = `palaver-search-${++queries}`;
        const found = [];
        const onResult = (stanza) => {
          const result = stanza.getElementsByTagNameNS(NS_MAM, 'result')[0];
          if (result?.getAttribute('queryid') !== queryId) return true;
          const forwarded = result.getElementsByTagNameNS(NS_FORWARD, 'forwarded')[0];
          const message = forwarded?.getElementsByTagName('message')[0];
          const body = message?.getElementsByTagName('body')[0]?.textContent;
          if (body) {
            found.push({
              id: result.getAttribute('id'),
              time: new Date(forwarded.getElementsByTagNameNS(NS_DELAY, 'delay')[0]?.getAttribute('stamp') ?? Date.now()),
              nick: Strophe.getResourceFromJid(message.getAttribute('from') ?? '') ?? '',
              body,
            });
          }
          return true;
        };
        const connection = api.connection.get();
        const handler = connection.addHandler(onResult, NS_MAM, 'message', null, null, roomJid);
        const iq = $iq({ type: 'set', to: roomJid }).c('query', { xmlns: NS_MAM, queryid: queryId })
          .c('x', { xmlns: 'jabber:x:data', type: 'submit' })
          .c('field', { var: 'FORM_TYPE', type: 'hidden' }).c('value').t(NS_MAM).up().up();
        if (text) iq.c('field', { var: FULLTEXT_FIELD }).c('value').t(text).up().up();
        iq.up().c('set', { xmlns: 'http://jabber.org/protocol/rsm' }).c('max').t(String(max)).up();
        if (after) iq.c('after').t(after);
        else iq.c('before').t(before ?? '');
        try {
          await api.sendIQ(iq);
        } finally {
          connection.deleteHandler(handler);
        }
        return found;
      };

      const card = searchCard({
        search: (text) => queryArchive({ text, max: RESULTS }),
        around: async (hit) => [
          ...(await queryArchive({ before: hit.id, max: AROUND })),
          hit,
          ...(await queryArchive({ after: hit.id, max: AROUND })),
        ],
      });

      api.listen.on('getHeadingButtons', (view, buttons) => {
        if (view.model?.get('jid') !== roomJid) return buttons;
        return [menuItem('palaver-search', 'Search messages', 'Search this room’s earlier messages', 'fa-filter', card.open), ...buttons];
      });
    },
  };
}

/** The search card: a form, then results, then one result's context; built once, shown on demand. */
function searchCard({ search, around }) {
  const card = document.createElement('section');
  card.id = 'search-card';
  card.className = 'room-card';
  card.setAttribute('role', 'dialog');
  card.setAttribute('aria-label', 'Search messages');
  card.hidden = true;
  card.innerHTML = `<h2>Search messages</h2>
    <form class="room-card-search"><input type="search" name="q" maxlength="${QUERY_MAX_LENGTH}"
      aria-label="Words to look for" placeholder="Words to look for" autocomplete="off"><button type="submit">Search</button></form>
    <p class="room-card-status" role="status" aria-live="polite"></p>
    <ol class="room-card-results"></ol>
    <p class="room-card-actions"><button type="button" class="secondary room-card-back" hidden>Back to the results</button>
      <button type="button" class="secondary room-card-close">Close</button></p>`;
  const input = card.querySelector('input');
  const status = card.querySelector('.room-card-status');
  const list = card.querySelector('.room-card-results');
  const back = card.querySelector('.room-card-back');
  let hits = [];

  // Results can be picked (by index into hits); a conversation around one cannot.
  const show = (messages, highlighted) => {
    list.replaceChildren(...messages.map((message, index) => resultItem(message, {
      highlighted: message === highlighted,
      index: highlighted ? null : index,
    })));
  };
  const showHits = () => {
    back.hidden = true;
    status.textContent = hits.length === 0 ? 'No messages found.' : `${hits.length === RESULTS ? 'The latest ' : ''}${hits.length} message${hits.length === 1 ? '' : 's'} found. Pick one to see it in its conversation.`;
    show(hits, null);
  };

  card.querySelector('form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    status.textContent = 'Searching…';
    list.replaceChildren();
    try {
      hits = (await search(text)).reverse();
      showHits();
    } catch {
      status.textContent = 'The search did not work. This room may not keep its messages.';
    }
  });
  const pick = async (event) => {
    const item = event.target.closest('li[data-index]');
    if (!item) return;
    const hit = hits[Number(item.dataset.index)];
    status.textContent = 'Loading the conversation…';
    try {
      const context = await around(hit);
      status.textContent = `Around ${hit.nick}’s message of ${formatTime(hit.time)}:`;
      back.hidden = false;
      show(context, hit);
    } catch {
      status.textContent = 'That part of the conversation could not be loaded.';
    }
  };
  list.addEventListener('click', pick);
  list.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') pick(event);
  });
  back.addEventListener('click', showHits);
  card.querySelector('.room-card-close').addEventListener('click', () => { card.hidden = true; });
  card.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') card.hidden = true;
  });

  return {
    open() {
      if (!card.isConnected) document.body.append(card);
      $('invite-card')?.remove();
      card.hidden = false;
      input.focus();
    },
  };
}

function formatTime(time) {
  return time.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function resultItem(message, { highlighted, index }) {
  const item = document.createElement('li');
  item.className = highlighted ? 'room-card-result room-card-hit' : 'room-card-result';
  if (index !== null) {
    item.dataset.index = String(index);
    item.tabIndex = 0;
  }
  const heading = document.createElement('p');
  heading.className = 'room-card-meta';
  const time = document.createElement('time');
  time.dateTime = message.time.toISOString();
  time.textContent = formatTime(message.time);
  const author = document.createElement('strong');
  author.textContent = message.nick;
  heading.append(author, ' · ', time);
  const body = document.createElement('p');
  body.className = 'room-card-text';
  body.textContent = message.body;
  item.append(heading, body);
  return item;
}
