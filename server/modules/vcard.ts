import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import { detached, isOwnAccount, parseStored, serialize, userExists } from './user-data.js';
import { MAX_VCARD_BYTES, vcardFits } from './vcard-limits.js';

const KEY = 'vcard-temp';

/**
 * XEP-0054 vcard-temp: anyone may read a user's vCard (an empty one when none is stored);
 * only the user may set it. Accounts keep it in the database, guests in memory.
 */
export default defineModule({
  name: 'vcard',
  hostKinds: ['account', 'anonymous'],
  load(host, server) {
    const store = host.users.userData;
    host.features.add(NS.vcard);

    host.onIq('get', NS.vcard, 'vCard', 'bare', (ctx) => {
      if (!userExists(server, host, ctx.to.local!)) throw new StanzaError('cancel', 'service-unavailable');
      const stored = store.get(ctx.to.toString(), KEY);
      return (stored !== undefined && parseStored(stored)) || xml('vCard', { xmlns: NS.vcard });
    });

    host.onIq('set', NS.vcard, 'vCard', 'bare', (ctx, vcard) => {
      if (!isOwnAccount(ctx)) throw new StanzaError('auth', 'forbidden', 'you can only set your own vCard');
      if (vcard.getChildElements().length === 0) {
        store.set(ctx.to.toString(), KEY, null);
        return null;
      }
      const text = serialize(detached(vcard));
      // A vCard with a full-size avatar photo fits (vcard-limits.ts); anything larger is refused rather than stored.
      if (!vcardFits(text)) {
        throw new StanzaError('modify', 'policy-violation', `a vCard may be at most ${MAX_VCARD_BYTES} bytes`);
      }
      store.set(ctx.to.toString(), KEY, text);
      return null;
    });
  },
});
