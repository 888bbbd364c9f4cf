import { xml } from '../xml/element.js';
import { StreamError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { SessionKey } from '../core/session.js';
import { STREAM_EXTENSIONS } from '../core/stream-extensions.js';

export type ClientState = 'active' | 'inactive';

/** XEP-0352 §3: a client is active until it says otherwise. */
export const CLIENT_STATE = new SessionKey<ClientState>('client state', () => 'active');

/**
 * XEP-0352 client state indication: mobile clients say when they go to the background.
 * The state is kept on the session for features that hold back unimportant traffic
 * (presence floods, chat states) from inactive clients.
 */
export default defineModule({
  name: 'csi',
  hostKinds: ['account', 'anonymous'],
  setup(server) {
    const extensions = server.services.get(STREAM_EXTENSIONS);
    extensions.advertise(() => xml('csi', { xmlns: NS.csi }));
    extensions.handleNonzas(NS.csi, (session, element) => {
      if (element.name === 'active' || element.name === 'inactive') session.set(CLIENT_STATE, element.name);
      else session.close(new StreamError('unsupported-stanza-type', `<${element.name}/> is not a CSI nonza`));
    });
  },
});
