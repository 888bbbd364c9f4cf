import { xml } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import type { StanzaError } from '../xml/errors.js';
import type { StanzaContext } from '../core/host.js';
import type { MucContext } from './context.js';

/**
 * A presence error from a room (XEP-0045 §7.2): by the room's bare JID, carrying the MUC
 * element so that clients match it to their join attempt. The router sends no presence
 * errors of its own, so the room sends them.
 */
export function presenceError(muc: MucContext, ctx: StanzaContext, error: StanzaError): void {
  const reply = xml('presence', { from: ctx.to.toString(), to: ctx.from.toString(), type: 'error', id: ctx.stanza.attrs.id },
    xml('x', { xmlns: NS.muc }),
    error.toElement(ctx.to.bare().toString()));
  muc.deliver(ctx.from, reply);
}
