import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version in Palaver's package.json. Its own module so that features (XEP-0092) need not
 * import the CLI entry point, whose import graph and start-up code are the command's business.
 */
export function packageVersion(): string {
  // dist/server/version.js or server/version.ts: walk up to the package.json named "palaver".
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'palaver' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; try the parent
    }
    dir = path.dirname(dir);
  }
  return 'unknown';
}
