import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamContext } from '../stream/context.js';
import { failureAnswer, NOT_FOUND } from './app.js';
import { admitClient, isTextAnswer, type TextAnswer } from '../access/admission.js';
import { corsFor, type OriginPolicy } from '../access/origins.js';
import type { BoshEndpoint } from '../transports/bosh/endpoint.js';

/** Serves a request to the BOSH path; `subpath` is its path below BOSH_PATH ('' or '/…'). */
export type BoshRequestHandler = (req: IncomingMessage, res: ServerResponse, subpath: string) => void;

const HELP: TextAnswer = { status: 200, text: 'This is an XMPP BOSH endpoint (XEP-0124, XEP-0206): POST <body/> elements here.\n' };

/**
 * BOSH_PATH on the HTTP listener, served ahead of express and without it: a sign-in is half
 * a dozen requests, and express's per-request work (routing, response helpers, ETags) was a
 * large share of their cost. The rules are those of the express app: the allowlist, then
 * CORS; then a POST to the path itself is a BOSH body, GET (and HEAD) the help text, and
 * anything else is not found.
 */
export function boshRequestHandler(server: StreamContext, endpoint: BoshEndpoint, origins: OriginPolicy): BoshRequestHandler {
  const fail = (res: ServerResponse, error: unknown): void => {
    const answer = failureAnswer(server, error);
    if (res.headersSent) res.destroy();
    else writeText(res, answer);
  };
  return (req, res, subpath) => {
    try {
      const admitted = admitClient(server.access, req);
      if (isTextAnswer(admitted)) return writeText(res, admitted);
      const cors = corsFor(origins, req);
      // Set ahead of the status line: a held request is answered later, by its session.
      for (const name in cors.headers) res.setHeader(name, cors.headers[name]!);
      if (cors.refusal) return writeText(res, cors.refusal);
      if (cors.preflight) {
        res.writeHead(204).end();
        return;
      }
      const atPath = subpath === '' || subpath === '/';
      if (atPath && req.method === 'POST') endpoint.post(req, res, admitted).catch((error: unknown) => fail(res, error));
      else if (atPath && (req.method === 'GET' || req.method === 'HEAD')) writeText(res, HELP);
      else writeText(res, NOT_FOUND);
    } catch (error) {
      fail(res, error);
    }
  };
}

/** HEAD requests get the headers alone: Node leaves the body out. */
function writeText(res: ServerResponse, answer: TextAnswer): void {
  res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(answer.text) });
  res.end(answer.text);
}
