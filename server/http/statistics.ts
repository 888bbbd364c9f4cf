/**
 * GET /api/statistics: counts of people online and rooms as JSON (monitoring/statistics.ts),
 * with CORS for the origins the admin listed ([http].cors_origins), so that a site can show
 * "12 people are chatting". [api].statistics = false answers 404; it is read per request,
 * so a reload turns it on or off.
 */
import express, { type Router } from 'express';
import type { ServerContext } from '../core/context.js';
import { corsFor, OriginPolicy } from '../access/origins.js';
import { collectStatistics } from '../monitoring/statistics.js';
import { MONITORING } from '../monitoring/service.js';

export function statisticsRoutes(server: ServerContext): Router {
  const { started } = server.services.get(MONITORING);
  const origins = new OriginPolicy(server.config);
  const router = express.Router({ caseSensitive: true, strict: true });
  router.all('/', (req, res, next) => {
    // Off: the route is not there (the app's 404).
    if (!server.config.api.statistics) {
      next();
      return;
    }
    const cors = corsFor(origins, req);
    res.set(cors.headers);
    if (cors.refusal) {
      res.status(cors.refusal.status).type('text/plain').send(cors.refusal.text);
      return;
    }
    if (cors.preflight) {
      res.status(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('Allow', 'GET, HEAD, OPTIONS').type('text/plain').send('Method not allowed.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    collectStatistics(server, started).then((statistics) => res.json(statistics), (error: unknown) => {
      server.log.error({ err: error }, 'could not count the rooms for the statistics');
      res.status(503).type('text/plain').send('The statistics cannot be read now.\n');
    });
  });
  return router;
}
