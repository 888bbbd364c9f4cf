/** What the tests of a site that frames the chat share: the frame itself, and who is in the room. */
import type { Frame, Page } from 'playwright-core';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';

/** An XMPP client in the room that records each occupant's role as presences arrive. */
export async function watchRoom(server: TestServer, room: string): Promise<{ roles: Map<string, string>; client: XmppClient }> {
  const client = await connectClient({ port: server.c2sPort });
  const roles = new Map<string, string>();
  client.on('stanza', (stanza) => {
    if (!stanza.is('presence') || !stanza.attrs.from?.startsWith(`${room}@`)) return;
    const role = stanza.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('item')?.attrs.role;
    if (role) roles.set(stanza.attrs.from.split('/')[1], role);
  });
  await client.send(xml('presence', { to: `${room}@conference.localhost/watcher` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
  return { roles, client };
}

/** The page's frame showing the chat, once Converse runs in it. */
export async function framedChat(page: Page, chatOrigin: string): Promise<Frame> {
  const chat = page.frames().find((frame) => frame.url().startsWith(chatOrigin));
  if (!chat) throw new Error(`no frame from ${chatOrigin} in ${page.url()}`);
  // Generous: on a loaded machine Converse takes a while to start inside the frame.
  await chat.waitForSelector('body[data-mode="chat"]', { state: 'attached', timeout: 40_000 });
  return chat;
}
