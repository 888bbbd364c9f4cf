import { createHash } from 'node:crypto';
import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { tryParseJid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import { BYTESTREAM_PROXY, type BytestreamProxy } from '../core/bytestream-proxy.js';
import type { StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';

const NS_BYTESTREAMS = 'http://jabber.org/protocol/bytestreams';
/** XEP-0065 §5.3.1 caps the stream id. */
const MAX_SID_LENGTH = 64;

/**
 * XEP-0065 on the proxy domain ([proxy].domain, with [proxy].listen set): disco says
 * proxy/bytestreams, a streamhost query gets the SOCKS5 address, and the initiator activates
 * a stream it opened with a target. Only this server's signed-in users may use it: the
 * activation hash is SHA-1(sid, the requester's full JID, target), so nobody but the
 * initiator can activate a stream.
 */
export default defineModule({
  name: 'proxy65',
  hostKinds: ['proxy'],
  load(host, server) {
    host.identities.push({ category: 'proxy', type: 'bytestreams', name: 'SOCKS5 bytestreams' });
    host.features.add(NS_BYTESTREAMS);

    host.onIq('get', NS_BYTESTREAMS, 'query', 'host', (ctx) => {
      const { streamhost } = proxyFor(server, ctx);
      return xml('query', { xmlns: NS_BYTESTREAMS },
        xml('streamhost', { jid: host.name, host: streamhost.host, port: String(streamhost.port) }));
    });

    host.onIq('set', NS_BYTESTREAMS, 'query', 'host', (ctx, query) => {
      const proxy = proxyFor(server, ctx);
      const sid = query.attrs.sid;
      if (!sid || sid.length > MAX_SID_LENGTH) throw new StanzaError('modify', 'bad-request', 'a stream id (sid) of at most 64 characters is needed');
      const target = tryParseJid(query.getChildText('activate'));
      if (!target) throw new StanzaError('modify', 'jid-malformed', 'activate names the target JID');
      const hash = createHash('sha1').update(`${sid}${ctx.from.toString()}${target.toString()}`).digest('hex');
      const result = proxy.activate(hash);
      if (result === 'not-found') throw new StanzaError('cancel', 'item-not-found', 'both parties must be connected to the proxy first');
      if (result === 'already-active') throw new StanzaError('cancel', 'not-allowed', 'this stream is already active');
      return null;
    });
  },
});

function proxyFor(server: ServerContext, ctx: StanzaContext): BytestreamProxy {
  const sender = ctx.origin ? server.hosts.get(ctx.from.domain) : undefined;
  if (!sender?.acceptsClients) throw new StanzaError('auth', 'forbidden', "the proxy serves this server's users only");
  const proxy = server.services.find(BYTESTREAM_PROXY);
  if (!proxy) throw new StanzaError('cancel', 'service-unavailable');
  return proxy;
}
