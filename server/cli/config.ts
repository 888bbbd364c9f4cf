/**
 * Which config a command uses: `--config FILE` if given; else `./palaver.toml` when it
 * exists in the working directory; else the embedded defaults (which serve `localhost`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';

const DEFAULT_CONFIG_FILE = 'palaver.toml';

/** The config file to read, or null for the embedded defaults. */
function resolveConfigPath(explicit: string | undefined, cwd: string = process.cwd()): string | null {
  if (explicit !== undefined) return explicit;
  const local = path.join(cwd, DEFAULT_CONFIG_FILE);
  return fs.existsSync(local) ? local : null;
}

/** Loads the config the command line names; throws ConfigError. */
export function loadCliConfig(explicit: string | undefined): Config {
  return loadConfig(resolveConfigPath(explicit));
}

/** How to name the config's origin to the user. */
export function describeSource(config: Config): string {
  return config.source ?? '(no config file: embedded defaults)';
}
