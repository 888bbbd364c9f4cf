/**
 * The local control socket: how `palaver rooms …` reaches the running server. A Unix socket
 * in data_dir/control/ (the directory mode 0700, the socket 0600, so only the user the server
 * runs as, and root, can connect), one JSON request per connection, answered with one JSON
 * line, then closed. Requests are capped in size and time. Handlers come from the modules
 * (core/control-commands.ts).
 *
 * A socket file that nothing answers on is stale (a server that was killed): it is removed at
 * start, and the CLI treats it as "not running". A socket that answers belongs to another
 * server on the same data_dir: this one then opens none and says so in the log.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log.js';
import { ControlRefusal, type ControlCommands } from '../core/control-commands.js';

/** Largest request, in bytes (a room name and a reason fit many times over). */
export const MAX_CONTROL_REQUEST_BYTES = 64 * 1024;
/** A connection that has not sent its whole request (or been answered) by then is closed. */
export const CONTROL_TIMEOUT_MS = 5000;
/** Unix socket paths are limited (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH_BYTES = 100;

export function controlSocketPath(dataDir: string): string {
  return path.join(dataDir, 'control', 'palaver.sock');
}

export type ControlAnswer = { ok: true; result: unknown } | { ok: false; error: string };

export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

/** Is something listening on the socket at `socketPath`? false for no file or a stale one. */
export function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    probe.setTimeout(CONTROL_TIMEOUT_MS, () => { probe.destroy(); resolve(false); });
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Opens the control socket, or returns null (logged) when it cannot or must not: the server
 * runs on without it, and `palaver rooms` then works on the database only.
 */
export async function openControlSocket(dataDir: string, commands: ControlCommands, log: Logger): Promise<ControlSocket | null> {
  try {
    return await listenControl(controlSocketPath(dataDir), commands, log);
  } catch (error) {
    log.error({ err: error }, 'the control socket could not be opened; `palaver rooms` will work on the database only');
    return null;
  }
}

async function listenControl(socketPath: string, commands: ControlCommands, log: Logger): Promise<ControlSocket | null> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    log.warn({ path: socketPath }, 'no control socket: the data_dir path is too long for a Unix socket; `palaver rooms` will work on the database only');
    return null;
  }
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.dirname(socketPath), 0o700);
  if (fs.existsSync(socketPath)) {
    if (await socketAnswers(socketPath)) {
      log.error({ path: socketPath }, 'another Palaver server is running on this data_dir; this one opens no control socket');
      return null;
    }
    fs.rmSync(socketPath, { force: true });
  }
  // Half-open: a client may end its side after the request and still read the answer, which can take a query.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => serve(socket, commands, log));
  server.on('error', (error) => log.error({ err: error }, 'the control socket failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      fs.rmSync(socketPath, { force: true });
    }),
  };
}

function serve(socket: net.Socket, commands: ControlCommands, log: Logger): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let answered = false;
  let requested = false;
  const request = (): void => {
    if (requested || answered) return;
    requested = true;
    void run(Buffer.concat(chunks).toString('utf8'), commands, log).then(answer);
  };
  const answer = (reply: ControlAnswer): void => {
    if (answered) return;
    answered = true;
    socket.end(`${JSON.stringify(reply)}\n`);
  };
  socket.setTimeout(CONTROL_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (answered || requested) return;
    size += chunk.length;
    if (size > MAX_CONTROL_REQUEST_BYTES) {
      answer({ ok: false, error: `the request is larger than ${MAX_CONTROL_REQUEST_BYTES} bytes` });
      return;
    }
    const newline = chunk.indexOf(0x0a);
    chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
    if (newline !== -1) request();
  });
  socket.on('end', request);
}

async function run(text: string, commands: ControlCommands, log: Logger): Promise<ControlAnswer> {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the request is not JSON' };
  }
  if (typeof request !== 'object' || request === null || Array.isArray(request) || typeof (request as { command?: unknown }).command !== 'string') {
    return { ok: false, error: 'the request must be a JSON object with a "command"' };
  }
  const name = (request as { command: string }).command;
  const handler = commands.get(name);
  if (!handler) return { ok: false, error: `this server does not know the request "${name}" (is it an older release?)` };
  try {
    return { ok: true, result: (await handler(request as Record<string, unknown>)) ?? null };
  } catch (error) {
    if (error instanceof ControlRefusal) return { ok: false, error: error.message };
    log.error({ err: error, command: name }, 'a control request failed');
    return { ok: false, error: 'the server failed to do it; see its log' };
  }
}
