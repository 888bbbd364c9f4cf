/**
 * The page's script bundle (server/http/landing-bundle.ts): built once into the cache folder,
 * reused by the next start, and when it cannot be built the page preloads its modules
 * instead, so it still works.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { buildLandingBundle, landingModules } from '../../server/http/landing-bundle.js';
import { renderLandingPage } from '../../server/http/landing-page.js';

const LANDING = fileURLToPath(new URL('../../landing/', import.meta.url));
const temporary: string[] = [];
const cacheFolder = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-bundle-'));
  temporary.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the page's script bundle", () => {
  it('is built once per asset version: the next start finds it', () => {
    const cache = cacheFolder();
    const folder = buildLandingBundle(LANDING, cache, 'v1', pino({ level: 'silent' }));
    expect(folder).toBe(path.join(cache, 'bundle-v1'));
    const built = fs.statSync(path.join(folder!, 'landing.js')).mtimeMs;
    expect(buildLandingBundle(LANDING, cache, 'v1', pino({ level: 'silent' }))).toBe(folder);
    expect(fs.statSync(path.join(folder!, 'landing.js')).mtimeMs).toBe(built);
  });

  it('that cannot be built is reported, and the page preloads every module instead', () => {
    const broken = cacheFolder();
    fs.writeFileSync(path.join(broken, 'landing.js'), "import { missing } from './nowhere.js';\n");
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    expect(buildLandingBundle(broken, cacheFolder(), 'v1', log)).toBeNull();
    expect(warnings.join('')).toContain('serving them one by one');

    const modules = landingModules(LANDING);
    expect(modules).toContain('chat.js');
    expect(modules).toContain('calls/webcam.js');
    expect(modules).not.toContain('landing.js');
    const template = fs.readFileSync(path.join(LANDING, 'index.html'), 'utf8');
    const page = renderLandingPage(template, configFromObject({}, '/tmp'), {}, 'assets/x/', modules);
    expect(page).toContain('<link rel="modulepreload" href="assets/x/landing/calls/webcam.js">');
    expect(renderLandingPage(template, configFromObject({}, '/tmp'), {}, 'assets/x/')).not.toContain('modulepreload');
  });
});
