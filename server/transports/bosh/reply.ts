import type { ServerResponse } from 'node:http';

/**
 * The answer channel of one BOSH request: the HTTP response of a request that reached this
 * node, or (on a cluster) a request another node received and passed on to this one, the
 * session's owner (cluster/bosh-relay.ts).
 */
export interface BoshReply {
  /** Sends the response body; ignored once answered or once the client went away. */
  send(text: string, status?: number): void;
  /** Called once the request is over: answered, or given up by the client. */
  onClose(listener: () => void): void;
}

const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** A request this node's HTTP listener received. */
export function httpReply(res: ServerResponse): BoshReply {
  return {
    send(text, status = 200) {
      writeBody(res, text, status);
    },
    onClose(listener) {
      res.once('close', listener);
    },
  };
}

/** Sends a response body, unless the request was answered already or its client went away. */
export function writeBody(res: ServerResponse, text: string, status = 200): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': XML_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
