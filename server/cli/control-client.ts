/**
 * The command line's side of the control socket (startup/control-socket.ts): one request,
 * one answer, on one connection, so "is the server running?" and the request cannot be told
 * apart by a server that starts or stops in between.
 */
import net from 'node:net';
import { controlSocketPath } from '../startup/control-socket.js';
import { CliError } from './errors.js';

/** Largest answer read (a list of every room); past it the answer is refused. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
const ANSWER_TIMEOUT_MS = 10_000;

export type ControlOutcome =
  /** No server runs on this data_dir; `staleSocket`: one left its socket behind (it was killed). */
  | { running: false; staleSocket: boolean }
  | { running: true; result: unknown };

export function askRunningServer(dataDir: string, request: Record<string, unknown>): Promise<ControlOutcome> {
  const socketPath = controlSocketPath(dataDir);
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    socket.setTimeout(ANSWER_TIMEOUT_MS, () => {
      socket.destroy();
      reject(new CliError(`the running server did not answer within ${ANSWER_TIMEOUT_MS / 1000} s (${socketPath})`));
    });
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (!connected && error.code === 'ENOENT') resolve({ running: false, staleSocket: false });
      else if (!connected && error.code === 'ECONNREFUSED') resolve({ running: false, staleSocket: true });
      else if (error.code === 'EACCES') reject(new CliError(`cannot use the server's control socket ${socketPath}: permission denied (run this as the user the server runs as)`));
      else reject(new CliError(`the server's control socket ${socketPath} failed: ${error.message}`));
    });
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        socket.destroy();
        reject(new CliError('the running server’s answer is too large'));
        return;
      }
      chunks.push(chunk);
    });
    socket.on('end', () => {
      socket.destroy();
      let answer: { ok?: unknown; result?: unknown; error?: unknown };
      try {
        answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof answer;
      } catch {
        reject(new CliError('the running server gave an answer that is not JSON'));
        return;
      }
      if (answer.ok === true) resolve({ running: true, result: answer.result });
      else reject(new CliError(typeof answer.error === 'string' ? answer.error : 'the running server refused the request'));
    });
  });
}
