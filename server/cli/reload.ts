/**
 * `palaver reload [--config FILE]`: tells the server running on this config's data_dir to
 * re-read its config file (SIGHUP to the pid in <data_dir>/palaver.pid). The file is checked
 * here first, so that a mistake is shown at once; the server checks it again and says in its
 * log what it applied and what needs a restart.
 */
import type { Config } from '../config/types.js';
import { CliError, EXIT_RUNTIME } from './errors.js';
import { pidFilePath, readPidFile } from './pid-file.js';

export function reloadCommand(config: Config, out: NodeJS.WritableStream = process.stdout): void {
  const file = pidFilePath(config);
  let pid: number | null;
  try {
    pid = readPidFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no running server found: ${file} does not exist (is Palaver running with this data_dir?)`, EXIT_RUNTIME);
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT_RUNTIME);
  }
  if (pid === null) throw new CliError(`${file} does not hold a process id`, EXIT_RUNTIME);
  try {
    process.kill(pid, 'SIGHUP');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new CliError(`no running server found: process ${pid} named in ${file} is gone (the file is left from a crash)`, EXIT_RUNTIME);
    if (code === 'EPERM') throw new CliError(`not allowed to signal process ${pid}: run this as the user the server runs as`, EXIT_RUNTIME);
    throw error;
  }
  out.write(`palaver: asked the server (pid ${pid}) to reload ${config.source ?? 'its configuration'}; its log says what was applied\n`);
}
