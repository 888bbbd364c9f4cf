/**
 * The layers of server/ (DESIGN.md "Layers", docs/architecture.md): data flows down, and so do
 * imports. A directory may import its own files and the layers below it, never one above.
 * test/unit/layers.test.ts runs these rules; a violation fails the suite.
 *
 *   start-up   main.ts, cli/, startup/   builds storage, hosts, modules and listeners
 *   cluster    cluster/                  membership and the session directory over Redis; only
 *                                        start-up wires it, features never see it
 *   listeners  http/                     one HTTP port; mounts the WebSocket and BOSH transports
 *              transports/               TCP, WebSocket, BOSH framing (never imports http/)
 *   stream     stream/, sasl/, auth/     negotiation, SASL, site tokens, the authenticated session
 *   features   modules/, muc/, upload/,  register handlers on core; modules/ loads muc/, upload/
 *              mam/                      (XEP-0313 query, results and retention, shared by rooms and accounts)
 *              monitoring/               and monitoring/
 *   core       core/                     router, sessions, hosts, module API, services, events
 *   access     access/                   allowlist, proxies, per-address limits, origins, CORS and
 *                                        their refusals (used by listeners, stream and features)
 *   storage    storage/                  interfaces, SQLite, PostgreSQL and memory implementations
 *   base       config/, xml/, jid/, util/, tls/, log.ts, version.ts
 *
 * core/ is held tighter than its rank: it may import xml/, jid/, util/ and log.ts, and only
 * types from config/ and storage/ (no SQLite, no access, no stream).
 */

const BASE = '^server/(config|xml|jid|util|tls)/|^server/(log|version)\\.ts$';
const STORAGE = '^server/storage/';
const ACCESS = '^server/access/';
const CORE = '^server/core/';
const FEATURES = '^server/(modules|muc|mam|upload|monitoring)/';
const STREAM = '^server/(stream|sasl|auth)/';
const TRANSPORTS = '^server/transports/';
const HTTP = '^server/http/';
const CLUSTER = '^server/cluster/';

/** A layer may import only what `allowed` matches (its own directory is always allowed). */
function layer(name, from, allowed) {
  return {
    name: `layer-${name}`,
    comment: `${name} imports only from the layers below it`,
    severity: 'error',
    from: { path: from },
    to: { path: '^server/', pathNot: [from, ...allowed] },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'no import cycles that exist at run time; two types that name each other (Host and Session) '
        + 'are a cycle only for the type checker, and the layer rules still hold for type imports',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    layer('base', BASE, []),
    layer('storage', STORAGE, [BASE]),
    layer('access', ACCESS, [BASE]),
    layer('core', CORE, ['^server/(xml|jid|util)/', '^server/log\\.ts$', STORAGE, '^server/config/']),
    {
      name: 'core-types-only',
      comment: 'core/ sees storage and config as types: the start-up code picks the implementations',
      severity: 'error',
      from: { path: CORE },
      to: { path: `${STORAGE}|^server/config/`, dependencyTypesNot: ['type-only'] },
    },
    layer('features', FEATURES, [BASE, STORAGE, ACCESS, CORE]),
    {
      name: 'features-not-sqlite',
      comment: 'features reach persistence through the Storage interfaces only',
      severity: 'error',
      from: { path: FEATURES },
      to: { path: '^server/storage/(sqlite|postgres|memory)/' },
    },
    layer('stream', STREAM, [BASE, STORAGE, ACCESS, CORE]),
    layer('transports', TRANSPORTS, [BASE, ACCESS, CORE, STREAM]),
    layer('http', HTTP, [BASE, STORAGE, ACCESS, CORE, FEATURES, STREAM, TRANSPORTS]),
    layer('cluster', CLUSTER, [BASE, CORE]),
    {
      name: 'startup-on-top',
      comment: 'nothing but the entry point and the CLI starts the server',
      severity: 'error',
      from: { pathNot: '^server/(main\\.ts$|cli/|startup/)' },
      to: { path: '^server/(main\\.ts$|cli/|startup/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^server/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
