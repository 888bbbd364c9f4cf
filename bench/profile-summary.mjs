#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self
 * time and the most inclusive time, with paths shortened to the repository.
 *
 *   node bench/profile-summary.mjs FILE.cpuprofile [--top 25] [--json]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

function parseArgs(argv) {
  const options = { file: null, top: 25, json: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') options.top = Number(argv[++i]);
    else if (argv[i] === '--json') options.json = true;
    else options.file = argv[i];
  }
  if (!options.file) throw new Error('usage: profile-summary.mjs FILE.cpuprofile [--top N] [--json]');
  return options;
}

function shortUrl(url) {
  if (!url) return '';
  const clean = url.replace(/^file:\/\//, '');
  const marks = ['/dist/', '/node_modules/'];
  for (const mark of marks) {
    const at = clean.lastIndexOf(mark);
    if (at !== -1) return clean.slice(at + 1);
  }
  return clean.startsWith('node:') ? clean : path.basename(clean);
}

/** @param {{ nodes: any[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }} profile */
export function summarize(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node) => {
    const frame = node.callFrame;
    const name = frame.functionName || '(anonymous)';
    const where = shortUrl(frame.url);
    return where ? `${name} ${where}:${frame.lineNumber + 1}` : name;
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000; // µs → ms
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    total += delta;
    const key = keyOf(node);
    if (key === '(idle)') {
      idle += delta;
      continue;
    }
    self.set(key, (self.get(key) ?? 0) + delta);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id));
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + delta);
    }
  }
  const busy = total - idle;
  const rank = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([fn, ms]) => ({ fn, ms: Number(ms.toFixed(1)), pct_of_busy: Number(((100 * ms) / busy).toFixed(1)) }));
  return {
    wall_ms: Number(((profile.endTime - profile.startTime) / 1000).toFixed(0)),
    busy_ms: Number(busy.toFixed(0)),
    self: rank(self),
    inclusive: rank(new Map([...inclusive].filter(([k]) => !['(root)', '(program)'].includes(k)))),
  };
}

const options = parseArgs(process.argv.slice(2));
const result = summarize(JSON.parse(readFileSync(options.file, 'utf8')), options.top);
if (options.json) {
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
} else {
  const table = (rows) => rows.map((r) => `${String(r.ms).padStart(9)} ms ${String(r.pct_of_busy).padStart(5)} %  ${r.fn}`).join('\n');
  process.stdout.write(`${options.file}\nwall ${result.wall_ms} ms, busy ${result.busy_ms} ms\n\nself time:\n${table(result.self)}\n\ninclusive time:\n${table(result.inclusive)}\n`);
}
