/**
 * GET /metrics: the Prometheus text format (prom-client), for [metrics].allow networks or a
 * bearer token (access/metrics-access.ts). Served on the [listen].http listener, behind the
 * allowlist like every route.
 */
import express, { type Router } from 'express';
import type { ServerContext } from '../core/context.js';
import { admittedClient } from '../access/admission.js';
import { metricsRefusal } from '../access/metrics-access.js';
import { MONITORING } from '../monitoring/service.js';

export function metricsRoutes(server: ServerContext): Router {
  const { registry } = server.services.get(MONITORING);
  const router = express.Router({ caseSensitive: true, strict: true });
  router.get('/', (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    const refusal = metricsRefusal(server.config, admittedClient(res).address, req.headers.authorization);
    if (refusal) {
      if (refusal.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      res.status(refusal.status).type('text/plain').send(refusal.text);
      return;
    }
    registry.metrics().then((text) => {
      res.type(registry.contentType).send(text);
    }, next);
  });
  return router;
}
