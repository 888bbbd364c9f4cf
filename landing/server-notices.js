// Messages from the server itself (an admin's announcement, the message of the day): headlines
// from a bare domain, which only the server can send (it stamps every client's address).
// Converse would file them in a headlines feed this fullscreen room view never shows, so
// they are shown in the room, as notices. One that comes before the room is open waits for it.

export function showServerNotices(_converse, roomJid) {
  const { api } = _converse;
  const waiting = [];
  const roomOf = () => _converse.state.chatboxes.get(roomJid);
  const show = (muc, text) => muc.createMessage({ type: 'info', message: text, is_ephemeral: false });

  const onHeadline = (stanza) => {
    const from = stanza.getAttribute('from') ?? '';
    const body = stanza.querySelector(':scope > body')?.textContent.trim();
    if (!body || from.includes('@') || from.includes('/')) return true;
    const subject = stanza.querySelector(':scope > subject')?.textContent.trim();
    const text = subject ? `${subject}: ${body}` : body;
    const muc = roomOf();
    if (muc) show(muc, text);
    else waiting.push(text);
    return true;
  };
  const listen = () => api.connection.get().addHandler(onHeadline, null, 'message', 'headline');
  api.listen.on('connected', listen);
  api.listen.on('reconnected', listen);
  api.listen.on('chatRoomInitialized', (muc) => {
    if (muc.get('jid') !== roomJid) return;
    for (const text of waiting.splice(0)) show(muc, text);
  });
}
