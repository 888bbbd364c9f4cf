/**
 * Errors the CLI reports as one line on stderr, without a stack, and the exit code for each.
 * Exit codes: 2 for a wrong command line or config (the user must change what they typed),
 * 1 for a failure while doing the work (account exists, port in use, …).
 */
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode: number = EXIT_RUNTIME) {
    super(message);
  }
}

/** A wrong command line: unknown command or option, missing argument, bad JID. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}
