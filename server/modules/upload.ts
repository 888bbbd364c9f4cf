import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { defineModule } from '../core/module.js';
import type { StanzaContext } from '../core/host.js';
import { startSweeper, UPLOAD, UploadService } from '../upload/service.js';
import { requestSlot, type Uploader } from '../upload/slots.js';

/**
 * XEP-0363 HTTP File Upload on [upload].domain: hands out slots to this server's clients
 * (guests and accounts), advertises max-file-size, and sweeps expired files. The PUT and GET
 * URLs are served by server/upload/http.ts on the HTTP listener.
 */
export default defineModule({
  name: 'upload',
  hostKinds: ['upload'],
  setup(server) {
    const service = new UploadService(server);
    server.services.provide(UPLOAD, service);
    return startSweeper(service, server);
  },
  load(host, server) {
    const service = server.services.get(UPLOAD);
    host.identities.push({ category: 'store', type: 'file', name: 'HTTP File Upload' });
    host.features.add(NS.upload);
    host.infoExtensions.push(maxFileSizeForm(server.config.upload.max_size));
    host.onIq('get', NS.upload, 'request', 'host', (ctx, request) => {
      const slot = requestSlot(service, uploaderOf(service, ctx), request);
      // On a shared store the PUT may reach another node at once: it must find the slot there.
      const { store } = service;
      return store.committed ? store.committed().then(() => slot) : slot;
    });
  },
});

/** Only clients signed in to this server may upload; components and other hosts may not. */
function uploaderOf(service: UploadService, ctx: StanzaContext): Uploader {
  const session = ctx.origin;
  if (!session || !session.host.acceptsClients) {
    throw new StanzaError('cancel', 'not-allowed', 'Only clients of this server may upload files');
  }
  if (session.isGuest) return { quotaKey: service.guestQuotaKey(session.remoteAddress), isGuest: true };
  return { quotaKey: session.bare.toString(), isGuest: false };
}

/** XEP-0363 §2 / XEP-0128: the size limit in the service's disco#info. */
function maxFileSizeForm(maxSize: number): Element {
  return xml('x', { xmlns: NS.dataForms, type: 'result' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, NS.upload)),
    xml('field', { var: 'max-file-size' }, xml('value', {}, String(maxSize))));
}
