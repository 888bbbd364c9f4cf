import { defineModule } from '../core/module.js';
import { SessionKey } from '../core/session.js';
import { MessageOfTheDay, MOTD, serverHeadline } from './motd/message-of-the-day.js';

const MOTD_SUBJECT = 'Message of the day';

/**
 * The message of the day: kept in storage, and sent to each session once, right after its
 * first available presence (whether to the server or to a room: a guest in the web chat
 * may only ever join a room), when clients are ready to show messages.
 */
export default defineModule({
  name: 'motd',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    const domain = server.config.server.domain;
    const motd = new MessageOfTheDay(server.storage.userData, domain);
    server.services.provide(MOTD, motd);
    const greeted = new SessionKey<boolean>('motd sent', () => false);
    server.events.on('stanza-from-client', (session, stanza) => {
      if (stanza.name !== 'presence' || stanza.attrs.type !== undefined || session.get(greeted)) return;
      session.set(greeted, true);
      const text = motd.text;
      if (text === null) return;
      // After the presence is routed: a room the presence joins is there to show it in.
      queueMicrotask(() => server.router.deliverTo(session.jid, serverHeadline(domain, session.jid.toString(), MOTD_SUBJECT, text)));
    });
  },
});
