import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The slowest request body we wait for, in bytes per second: a file of [upload].max_size
 * sent at this rate still arrives (10 MiB in 320 s), a body dribbled slower is cut.
 */
export const MIN_BODY_RATE = 32 * 1024;
/** A connection cut for a slow body is closed this long after its 408, read or not. */
const CUT_GRACE_MS = 2_000;
const TOO_SLOW = 'The request body arrived too slowly.\n';

/**
 * Caps the time a request body may take: [http].body_timeout plus one second per
 * MIN_BODY_RATE bytes it declares (Content-Length), or, for a chunked body, has sent so far.
 * A small body (BOSH) thus gets about body_timeout, an upload time in proportion to its size.
 * Past the deadline the request gets a 408 and its connection is closed. A body still
 * arriving after its response was sent is not read on: the connection is closed instead,
 * since it cannot carry another request until that body is drained.
 */
export function limitBodyTime(req: IncomingMessage, res: ServerResponse, bodyTimeout: number): void {
  // Node detaches the socket from the request once the response is done: keep it here.
  const { socket } = req;
  const started = performance.now();
  const readAtStart = socket.bytesRead;
  const declared = Number(req.headers['content-length']);
  const allowedFor = (bytes: number): number => bodyTimeout + (bytes / MIN_BODY_RATE) * 1000;
  let timer: NodeJS.Timeout | null = null;

  const check = (): void => {
    timer = null;
    if (req.complete || res.writableFinished) return;
    const bytes = Number.isFinite(declared) ? declared : socket.bytesRead - readAtStart;
    const remaining = started + allowedFor(bytes) - performance.now();
    if (remaining > 0) {
      timer = setTimeout(check, remaining).unref();
      return;
    }
    cut(res, socket);
  };
  timer = setTimeout(check, allowedFor(Number.isFinite(declared) ? declared : 0)).unref();

  const done = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  req.once('end', done);
  res.once('close', done);
  res.once('finish', () => {
    done();
    if (!req.complete) closeSoon(socket);
  });
}

function cut(res: ServerResponse, socket: Socket): void {
  if (!res.headersSent) {
    res.writeHead(408, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(TOO_SLOW), Connection: 'close' });
    res.end(TOO_SLOW);
  }
  closeSoon(socket);
}

/** Ends the connection, and cuts it if the client does not close its side. */
function closeSoon(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), CUT_GRACE_MS).unref();
}
