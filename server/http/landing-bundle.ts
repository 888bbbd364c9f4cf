/**
 * The page's own modules as the browser gets them: landing/landing.js and everything it
 * imports, bundled and minified by esbuild once at start. On a slow phone link the ~30
 * separate modules cost ~40 kB (their comments, and a response's headers each) before
 * Converse.js can start; one file is ~17 kB. Converse.js itself stays a separate, cached
 * download (the page imports it by URL at run time). The bundle is written next to the
 * compressed copies in `<data_dir>/cache/` and served like any asset; if it cannot be built,
 * the modules are served as they are, which works the same, only slower.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { Logger } from '../log.js';

/** The entry module, as the page's HTML names it under landing/. */
export const LANDING_ENTRY = 'landing.js';

/** Builds the bundle into `<cacheRoot>/bundle-<version>/` and returns that folder, or null. */
export function buildLandingBundle(landingDir: string, cacheRoot: string, version: string, log: Logger): string | null {
  const outdir = path.join(cacheRoot, `bundle-${version}`);
  if (fs.existsSync(path.join(outdir, LANDING_ENTRY))) return outdir;
  try {
    buildSync({
      entryPoints: [path.join(landingDir, LANDING_ENTRY)],
      outdir,
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'es2022',
      // For the browser's developer tools; fetched only when they are open.
      sourcemap: 'linked',
      sourcesContent: true,
      logLevel: 'silent',
    });
    return outdir;
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'could not bundle the page\'s modules; serving them one by one');
    return null;
  }
}

/** The modules the entry imports, as paths under landing/: what to preload when there is no bundle. */
export function landingModules(landingDir: string): string[] {
  return fs.readdirSync(landingDir, { recursive: true, encoding: 'utf8' })
    .map((name) => name.split(path.sep).join('/'))
    .filter((name) => name.endsWith('.js') && name !== LANDING_ENTRY)
    .sort();
}
