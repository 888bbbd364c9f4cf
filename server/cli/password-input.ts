/**
 * Reading a new account password for `palaver adduser|passwd`, in order of preference:
 *   1. `--password-file FILE`: its first line (line ending stripped);
 *   2. stdin when it is not a terminal: the first line; a second line, if present, is a
 *      confirmation and must be identical;
 *   3. an interactive prompt on the terminal, echo off, asked twice.
 * The password is never echoed, logged or put in an error message.
 */
import fs from 'node:fs';
import { CliError } from './errors.js';

/** Cap on piped input and on one typed line: a password is not a file. */
const MAX_INPUT_BYTES = 64 * 1024;
/** Exit code after Ctrl-C, as a shell reports SIGINT. */
const EXIT_INTERRUPTED = 130;

/** What the prompt needs from the terminal (process.stdin when it is a TTY). */
export interface TerminalInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface PasswordOptions {
  passwordFile?: string | undefined;
  /** Defaults to process.stdin. */
  input?: TerminalInput;
  /** Where prompts go; defaults to process.stderr. */
  output?: NodeJS.WritableStream;
  /** Shown by the interactive prompt, e.g. "alice@chat.example". */
  account: string;
}

export async function readNewPassword(options: PasswordOptions): Promise<string> {
  const input = options.input ?? (process.stdin as TerminalInput);
  const output = options.output ?? process.stderr;
  let password: string;
  if (options.passwordFile !== undefined) {
    password = readPasswordFile(options.passwordFile);
  } else if (!input.isTTY) {
    password = parsePipedPassword(await readAll(input));
  } else {
    const [first, second] = await readHiddenLines(input, output, [
      `New password for ${options.account}: `,
      'Retype the password: ',
    ]);
    if (first !== second) throw new CliError('passwords do not match');
    password = first ?? '';
  }
  if (password === '') throw new CliError('the password is empty');
  return password;
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() && !stat.isFIFO() && !stat.isCharacterDevice()) {
      throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file'
      : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'not a regular file'
      : (err as Error).message;
    throw new CliError(`cannot read the password file ${file}: ${reason}`);
  }
  return splitLines(text.replace(/^\uFEFF/, ''))[0] ?? '';
}

/**
 * Piped stdin: "pw" or "pw\n" is the password; "pw\npw\n" is the password with its
 * confirmation. Trailing empty lines are ignored; anything beyond two lines is refused.
 */
export function parsePipedPassword(text: string): string {
  const lines = splitLines(text);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new CliError('no password on stdin (give one line, or the password and a confirmation line)');
  if (lines.length > 2) throw new CliError('stdin has more than two lines; give the password and, optionally, the same password again');
  const [password, confirmation] = lines as [string, string | undefined];
  if (confirmation !== undefined && confirmation !== password) throw new CliError('passwords do not match');
  return password;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function readAll(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += buf.length;
      if (size > MAX_INPUT_BYTES) {
        cleanup();
        input.pause();
        reject(new CliError('stdin is too long for a password'));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = (): void => {
      cleanup();
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new CliError('the password on stdin is not valid UTF-8'));
      }
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new CliError(`cannot read stdin: ${err.message}`));
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}

/**
 * Asks each prompt in turn on a terminal in raw mode and returns the lines typed, echoing
 * nothing. Enter ends a line; Backspace deletes a character; Ctrl-U clears the line;
 * Ctrl-C (or Ctrl-D on an empty line) aborts; arrow keys and other escape sequences are
 * ignored. Text typed ahead past an Enter (or pasted) carries over to the next prompt.
 */
export function readHiddenLines(
  input: TerminalInput, output: NodeJS.WritableStream, prompts: readonly string[],
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let current: string[] = [];
    let currentBytes = 0;
    let escape: 'none' | 'esc' | 'csi' | 'ss3' = 'none';
    let done = false;
    const wasRaw = input.isRaw === true;

    const finish = (error?: CliError): void => {
      if (done) return;
      done = true;
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      try {
        input.setRawMode?.(wasRaw);
      } catch {
        // the terminal went away; nothing to restore
      }
      input.pause();
      if (error) {
        output.write('\n');
        reject(error);
      } else {
        resolve(lines);
      }
    };

    const onChar = (ch: string): void => {
      if (escape === 'esc') {
        escape = ch === '[' ? 'csi' : ch === 'O' ? 'ss3' : 'none';
        return;
      }
      if (escape === 'csi') {
        const code = ch.charCodeAt(0);
        if (code >= 0x40 && code <= 0x7e) escape = 'none';
        return;
      }
      if (escape === 'ss3') {
        escape = 'none';
        return;
      }
      switch (ch) {
        case '\r':
        case '\n':
          output.write('\n');
          lines.push(current.join(''));
          current = [];
          currentBytes = 0;
          if (lines.length >= prompts.length) finish();
          else output.write(prompts[lines.length] ?? '');
          return;
        case '\x7f':
        case '\b':
          currentBytes -= Buffer.byteLength(current.pop() ?? '');
          return;
        case '\x15': // Ctrl-U
          current = [];
          currentBytes = 0;
          return;
        case '\x03': // Ctrl-C
          finish(new CliError('aborted', EXIT_INTERRUPTED));
          return;
        case '\x04': // Ctrl-D
          if (current.length === 0) finish(new CliError('aborted', EXIT_INTERRUPTED));
          return;
        case '\x1b':
          escape = 'esc';
          return;
        default:
          if (ch.charCodeAt(0) < 0x20) return; // other control characters
          currentBytes += Buffer.byteLength(ch);
          if (currentBytes > MAX_INPUT_BYTES) {
            finish(new CliError('the password is too long'));
            return;
          }
          current.push(ch);
      }
    };

    const onData = (chunk: Buffer | string): void => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      for (const ch of text) {
        if (done) return;
        onChar(ch);
      }
    };
    const onEnd = (): void => finish(new CliError('no password given (the terminal closed)'));
    const onError = (err: Error): void => finish(new CliError(`cannot read the terminal: ${err.message}`));

    if (prompts.length === 0) {
      resolve([]);
      return;
    }
    try {
      input.setRawMode?.(true);
    } catch (err) {
      reject(new CliError(`cannot switch the terminal to hidden input: ${(err as Error).message}`));
      return;
    }
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    output.write(prompts[0] ?? '');
    input.resume();
  });
}
