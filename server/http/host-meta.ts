import { Router } from 'express';
import { escapeXML } from 'ltx';
import type { Config } from '../config/types.js';
import { publicTransportUrls } from './endpoints.js';

const XRD_NS = 'http://docs.oasis-open.org/ns/xri/xrd-1.0';
const REL_BOSH = 'urn:xmpp:alt-connections:xbosh';
const REL_WEBSOCKET = 'urn:xmpp:alt-connections:websocket';

/**
 * XEP-0156 connection discovery: /.well-known/host-meta (XRD) and host-meta.json, with the
 * WebSocket and BOSH URLs built from [listen].public_url. Public information, so any origin
 * may read it (XEP-0156 asks for CORS here).
 */
export function hostMetaRouter(config: Pick<Config, 'listen'>): Router {
  const urls = publicTransportUrls(config);
  const links = [
    { rel: REL_BOSH, href: urls.bosh },
    { rel: REL_WEBSOCKET, href: urls.websocket },
  ];
  const xrd = `<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='${XRD_NS}'>\n`
    + links.map((link) => `  <Link rel='${link.rel}' href='${escapeXML(link.href)}'/>\n`).join('')
    + '</XRD>\n';
  const json = JSON.stringify({ links });

  const router = Router();
  router.get('/.well-known/host-meta', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').type('application/xrd+xml; charset=utf-8').send(xrd);
  });
  router.get('/.well-known/host-meta.json', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*').type('application/json').send(json);
  });
  return router;
}
