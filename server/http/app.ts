import express, { type ErrorRequestHandler, type Express } from 'express';
import type { StreamContext } from '../stream/context.js';
import { admitRequests, type TextAnswer } from '../access/admission.js';
import { WEBSOCKET_PATH } from '../transports/websocket.js';
import { hostMetaRouter } from './host-meta.js';
import { HTTP_ROUTES } from './routes.js';

export const NOT_FOUND: TextAnswer = { status: 404, text: 'Not found.\n' };

/**
 * The express app behind [listen].http: allowlist first, then the WebSocket endpoint's
 * refusal of plain requests, discovery and feature routes. BOSH is not here: the listener
 * serves it before express (server/http/bosh.ts).
 */
export function createHttpApp(server: StreamContext): Express {
  const app = express();
  app.disable('x-powered-by');
  // Proxies are handled by [access].trusted_proxies (admitClient), not by express.
  app.set('trust proxy', false);
  app.use(admitRequests(server.access));

  app.use(hostMetaRouter(server.config));
  app.all(WEBSOCKET_PATH, (_req, res) => {
    res.status(426).set('Upgrade', 'websocket').type('text/plain').send('This is an XMPP WebSocket endpoint (RFC 7395).\n');
  });
  for (const factory of HTTP_ROUTES) {
    const route = factory(server);
    if (route) app.use(route.path, route.router);
  }

  app.use((_req, res) => {
    res.status(NOT_FOUND.status).type('text/plain').send(NOT_FOUND.text);
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const answer = failureAnswer(server, error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(answer.status).type('text/plain').send(answer.text);
  };
  app.use(onError);
  return app;
}

/** The answer to a request whose handler failed (a response already begun is cut instead). */
export function failureAnswer(server: StreamContext, error: unknown): TextAnswer {
  const status = httpStatusOf(error);
  if (status < 500) return { status, text: 'Bad request.\n' };
  server.log.error({ err: error }, 'HTTP request failed');
  return { status, text: 'Internal error.\n' };
}

/** Body-parser and friends throw errors carrying an HTTP status; anything else is ours (500). */
function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
