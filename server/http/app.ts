import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import type { ServerContext } from '../core/context.js';
import { admitRequests } from './client.js';
import { cors } from './cors.js';
import { BOSH_PATH, WEBSOCKET_PATH } from './endpoints.js';
import { hostMetaRouter } from './host-meta.js';
import type { OriginPolicy } from './origins.js';
import { HTTP_ROUTES } from './routes.js';

export interface HttpAppParts {
  origins: OriginPolicy;
  /** The BOSH endpoint's router (server/transports/bosh). */
  bosh: Router;
}

/** The express app behind [listen].http: allowlist first, then the transports, discovery and feature routes. */
export function createHttpApp(server: ServerContext, parts: HttpAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  // Proxies are handled by [access].trusted_proxies (clientOf), not by express.
  app.set('trust proxy', false);
  app.use(admitRequests(server.access));

  app.use(hostMetaRouter(server.config));
  app.use(BOSH_PATH, cors(parts.origins), parts.bosh);
  app.all(WEBSOCKET_PATH, (_req, res) => {
    res.status(426).set('Upgrade', 'websocket').type('text/plain').send('This is an XMPP WebSocket endpoint (RFC 7395).\n');
  });
  for (const factory of HTTP_ROUTES) {
    const route = factory(server);
    if (route) app.use(route.path, route.router);
  }

  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not found.\n');
  });
  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const status = httpStatusOf(error);
    if (status >= 500) server.log.error({ err: error }, 'HTTP request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).type('text/plain').send(status >= 500 ? 'Internal error.\n' : 'Bad request.\n');
  };
  app.use(onError);
  return app;
}

/** Body-parser and friends throw errors carrying an HTTP status; anything else is ours (500). */
function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
