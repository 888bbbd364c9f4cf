import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { StreamContext } from '../stream/context.js';
import type { ConnectionTracker } from '../transports/connections.js';
import { BoshEndpoint } from '../transports/bosh/endpoint.js';
import type { BoshRelay } from '../transports/bosh/relay.js';
import { WebSocketEndpoint } from '../transports/websocket.js';
import { createHttpApp } from './app.js';
import { HttpConnectionLimit } from '../access/http-connection-limit.js';
import { OriginPolicy } from '../access/origins.js';
import { boshRequestHandler } from './bosh.js';
import { BOSH_PATH, pathBelow } from './endpoints.js';
import { limitBodyTime, MIN_BODY_RATE } from './request-deadline.js';
import { startListening } from '../transports/listen.js';

export interface HttpListenerOptions {
  host: string;
  port: number;
  connections: ConnectionTracker;
  /** On a cluster: how BOSH requests reach sessions of other nodes. */
  boshRelay?: BoshRelay | null;
}

/**
 * Node's own bound on receiving a whole request, a backstop behind limitBodyTime (which
 * times each body by its size): headers, then the largest allowed upload at MIN_BODY_RATE.
 * Held responses are not limited by it.
 */
function requestTimeoutFor(config: StreamContext['config']): number {
  const largestBody = config.upload.enabled ? config.upload.max_size : 0;
  return config.http.header_timeout + config.http.body_timeout + Math.ceil((largestBody / MIN_BODY_RATE) * 1000);
}
const KEEP_ALIVE_TIMEOUT_MS = 10_000;
/**
 * How often Node checks the header and request timeouts: its default, 30 s, let a client
 * sending one header byte every 250 ms keep its connection long past [http].header_timeout.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** After shutdown begins, connections still open after this are cut. */
const SHUTDOWN_GRACE_MS = 2_000;

/**
 * The HTTP listener ([listen].http): BOSH at /http-bind (served without express, see
 * http/bosh.ts), the express app for every other route, and WebSocket upgrades at
 * /xmpp-websocket. Resolves once listening. The returned server is closed by the caller;
 * streams end through the ConnectionTracker, and on the server's 'shutdown' event connections
 * still open after a grace period are cut.
 */
export async function listenHttp(server: StreamContext, options: HttpListenerOptions): Promise<http.Server> {
  const origins = new OriginPolicy(server.config);
  const bosh = new BoshEndpoint(server, options.connections, options.boshRelay ?? null);
  const serveBosh = boshRequestHandler(server, bosh, origins);
  const app = createHttpApp(server);
  const connectionLimit = new HttpConnectionLimit(server.access);
  const websocket = new WebSocketEndpoint(server, options.connections, origins, connectionLimit);
  const { body_timeout: bodyTimeout } = server.config.http;

  const listener = http.createServer({
    headersTimeout: server.config.http.header_timeout,
    requestTimeout: requestTimeoutFor(server.config),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
  }, (req, res) => {
    if (connectionLimit.isRefused(req.socket)) return;
    limitBodyTime(req, res, bodyTimeout);
    const boshSubpath = pathBelow(BOSH_PATH, req.url);
    if (boshSubpath !== null) serveBosh(req, res, boshSubpath);
    else app(req, res);
  });
  // Ahead of Node's own listener, so that a refused connection is answered before any request on it.
  listener.prependListener('connection', (socket: Socket) => connectionLimit.onConnection(socket));
  listener.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
  listener.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (connectionLimit.isRefused(socket)) return;
    websocket.handleUpgrade(req, socket, head);
  });

  await startListening(listener, options.port, options.host, server.log, 'HTTP');
  server.events.on('shutdown', () => {
    setTimeout(() => listener.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
  return listener;
}

/** A connection answered for a client error is cut this long after the answer, read or not. */
const CLIENT_ERROR_GRACE_MS = 2_000;

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
  // A client that keeps sending (a slowloris) would otherwise hold the half-closed socket.
  setTimeout(() => socket.destroy(), CLIENT_ERROR_GRACE_MS).unref();
}
