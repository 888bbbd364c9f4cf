import type { Router } from 'express';
import type { StreamContext } from '../stream/context.js';
import { landingRoutes } from './landing.js';
import { uploadRoutes } from '../upload/http.js';
import { metricsRoutes } from './metrics.js';
import { statisticsRoutes } from './statistics.js';
import { inviteRoutes } from './invite.js';

/** A feature's part of the HTTP listener: an express router mounted at `path`. */
export interface HttpRoute {
  path: string;
  router: Router;
}

/**
 * Builds a feature's routes at start; null leaves the feature off (e.g. disabled in the config).
 * Given the listener's context: a route that counts requests per client (the landing page's
 * nickname check) takes access control from it.
 */
export type HttpRouteFactory = (server: StreamContext) => HttpRoute | null;

/**
 * Feature routes on the HTTP listener, mounted in this order after the transports
 * (/xmpp-websocket, /http-bind) and /.well-known/host-meta, and behind the allowlist like
 * every route. A feature adds one line here; the landing page ("/") goes last.
 */
export const HTTP_ROUTES: readonly HttpRouteFactory[] = [
  (server) => (server.config.upload.enabled ? { path: '/upload', router: uploadRoutes(server) } : null),
  (server) => ({ path: '/metrics', router: metricsRoutes(server) }),
  (server) => ({ path: '/api/statistics', router: statisticsRoutes(server) }),
  (server) => ({ path: '/invite', router: inviteRoutes(server) }),
  (server) => ({ path: '/', router: landingRoutes(server, server.access) }),
];
