import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { StreamContext } from '../stream/context.js';
import type { ConnectionTracker } from '../transports/connections.js';
import { BoshEndpoint } from '../transports/bosh/endpoint.js';
import { boshRequestHandler } from '../transports/bosh/http.js';
import { WebSocketEndpoint } from '../transports/websocket.js';
import { createHttpApp } from './app.js';
import { BOSH_PATH, pathBelow } from './endpoints.js';
import { OriginPolicy } from './origins.js';

export interface HttpListenerOptions {
  host: string;
  port: number;
  connections: ConnectionTracker;
}

const HEADERS_TIMEOUT_MS = 15_000;
/** Receiving a whole request (headers and body); BOSH bodies are small. Held responses are not limited by it. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The slowest upload we wait for: a file of [upload].max_size at this rate still completes. */
const SLOWEST_UPLOAD_BYTES_PER_SECOND = 32 * 1024;

/** Long enough for the largest allowed upload on a slow link, never less than REQUEST_TIMEOUT_MS. */
export function requestTimeoutFor(config: StreamContext['config']): number {
  if (!config.upload.enabled) return REQUEST_TIMEOUT_MS;
  return Math.max(REQUEST_TIMEOUT_MS, Math.ceil(config.upload.max_size / SLOWEST_UPLOAD_BYTES_PER_SECOND) * 1000);
}
const KEEP_ALIVE_TIMEOUT_MS = 10_000;
/** How often Node checks the two timeouts above (its default, 30 s, lets a slow client linger). */
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;
/** After shutdown begins, connections still open after this are cut. */
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * The HTTP listener ([listen].http): BOSH at /http-bind (served without express, see
 * transports/bosh/http.ts), the express app for every other route, and WebSocket upgrades at
 * /xmpp-websocket. Resolves once listening. The returned server is closed by the caller;
 * streams end through the ConnectionTracker, and on the server's 'shutdown' event connections
 * still open after a grace period are cut.
 */
export async function listenHttp(server: StreamContext, options: HttpListenerOptions): Promise<http.Server> {
  const origins = new OriginPolicy(server.config);
  const bosh = new BoshEndpoint(server, options.connections);
  const websocket = new WebSocketEndpoint(server, options.connections, origins);
  const serveBosh = boshRequestHandler(server, bosh, origins);
  const app = createHttpApp(server);

  const listener = http.createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: requestTimeoutFor(server.config),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  }, (req, res) => {
    const boshSubpath = pathBelow(BOSH_PATH, req.url);
    if (boshSubpath !== null) serveBosh(req, res, boshSubpath);
    else app(req, res);
  });
  listener.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
  listener.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => websocket.handleUpgrade(req, socket, head));

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (error) => server.log.error({ err: error }, 'HTTP listener error'));
  server.events.on('shutdown', () => {
    setTimeout(() => listener.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
  return listener;
}

/** Malformed requests and header timeouts: a short answer where one can still be written, else cut. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  socket.on('error', () => {});
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout'
    : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
