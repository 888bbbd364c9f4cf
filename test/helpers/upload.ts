import { xml, type XmppClient } from './clients.js';

const NS_UPLOAD = 'urn:xmpp:http:upload:0';

/**
 * Uploads `body` as an XEP-0363 client does: asks upload.localhost for a slot, then PUTs the
 * file with the slot's headers to this server's HTTP listener. Resolves with the PUT's status.
 */
export async function uploadFile(client: XmppClient, httpUrl: string, filename: string, body: string, contentType = 'text/plain'): Promise<number> {
  const size = Buffer.byteLength(body);
  const reply = await client.iqCaller.request(xml('iq', { type: 'get', to: 'upload.localhost' },
    xml('request', { xmlns: NS_UPLOAD, filename, size, 'content-type': contentType })));
  const put = reply.getChild('slot', NS_UPLOAD).getChild('put');
  const url = new URL(put.attrs.url);
  const headers: Record<string, string> = { 'Content-Type': contentType };
  for (const header of put.getChildren('header')) headers[header.attrs.name] = header.getText();
  const response = await fetch(`${httpUrl}${url.pathname}${url.search}`, { method: 'PUT', body, headers });
  return response.status;
}
