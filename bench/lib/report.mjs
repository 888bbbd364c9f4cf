/** Turns compare results (JSON lines) into the Markdown table of bench/RESULTS.md. */

/** The figures shown per case: [label, unit, lower-is-better, how to read it from a result]. */
const METRICS = {
  login: [
    ['server CPU per login', 'ms', true, (r) => r.cpu_ms_per_login],
    ['logins/s', '', false, (r) => r.logins_per_s],
    ['login latency p50', 'ms', true, (r) => r.latency_ms?.p50],
    ['login latency p99', 'ms', true, (r) => r.latency_ms?.p99],
  ],
  idle: [
    ['server memory per idle client', 'KB', true, (r) => r.kb_per_client],
    ['server CPU per sign-in, connection kept', 'ms', true, (r) => r.cpu_ms_per_sign_in],
  ],
  'muc-fanout': [
    ['CPU per delivery at 5k deliveries/s', 'µs', true, (r) => step(r, 5000)?.cpu_us_per_delivery],
    ['CPU per delivery at 20k deliveries/s', 'µs', true, (r) => step(r, 20000)?.cpu_us_per_delivery],
    ['latency p50 at 5k/s', 'ms', true, (r) => step(r, 5000)?.latency_ms?.p50],
    ['latency p99 at 5k/s', 'ms', true, (r) => step(r, 5000)?.latency_ms?.p99],
    ['latency p99 at 20k/s', 'ms', true, (r) => step(r, 20000)?.latency_ms?.p99],
    ['deliveries/s kept up (highest step)', '', false, (r) => r.saturation_deliveries_per_s],
    ['deliveries/s achieved (max)', '', false, (r) => r.max_deliveries_per_s],
  ],
  'muc-large': [
    ['500 occupants join one room', 's', true, (r) => r.join_seconds],
    ['message latency p50 (500 occupants)', 'ms', true, (r) => r.message_latency_ms?.p50],
    ['message latency p99 (500 occupants)', 'ms', true, (r) => r.message_latency_ms?.p99],
    ['CPU per delivery (500 occupants)', 'µs', true, (r) => r.cpu_us_per_delivery],
  ],
  history: [
    ['join with history (20 of 200) p50', 'ms', true, (r) => r.join_ms?.p50],
    ['join with history p99', 'ms', true, (r) => r.join_ms?.p99],
    ['join with history p50, after 100 joins', 'ms', true, (r) => r.join_ms_after_warm_up?.p50],
    ['join with history p99, after 100 joins', 'ms', true, (r) => r.join_ms_after_warm_up?.p99],
  ],
};

/** The fan-out step at an offered rate, if the run got that far and kept up there. */
function step(result, offered) {
  const found = result.steps?.find((s) => s.offered_deliveries_per_s === offered);
  return found?.kept_up ? found : undefined;
}

/**
 * The issue's targets: [metric, case, read, goal, lower is better, the issue's Prosody and
 * ejabberd figures].
 */
const TARGETS = [
  ['CPU per anonymous WebSocket login (ms)', 'login-ws', (r) => r.cpu_ms_per_login, 0.3, true, '1.9', '0.44'],
  ['… sign-in only, connection kept (ms)', 'idle-ws-5k', (r) => r.cpu_ms_per_sign_in, 0.3, true, '1.9', '0.44'],
  ['server memory per idle WebSocket client (KB)', 'idle-ws-5k', (r) => r.kb_per_client, 15, true, '38', '60'],
  ['CPU per MUC delivery at 5k/s (µs)', 'fanout', (r) => step(r, 5000)?.cpu_us_per_delivery, 20, true, '97–178', '30'],
  ['CPU per MUC delivery at 20k/s (µs)', 'fanout', (r) => step(r, 20000)?.cpu_us_per_delivery, 20, true, '97–178', '30'],
  ['deliveries/s before saturation, one core', 'fanout', (r) => r.saturation_deliveries_per_s, 40000, false, '~8k', '~25k'],
  ['500 occupants join one room (s)', 'muc-500', (r) => r.join_seconds, 2, true, '22', '7'],
  ['join with history, 20 of 200 (ms, p50)', 'history', (r) => r.join_ms?.p50, 1, true, '44', '0.9'],
  ['… after 100 joins (ms, p50)', 'history', (r) => r.join_ms_after_warm_up?.p50, 1, true, '44', '0.9'],
];

function targetTable(results) {
  const value = (caseId, server, read) => median(results.filter((r) => r.case === caseId && r.server === server && !r.error).map(read));
  const rows = TARGETS.map(([label, caseId, read, goal, lowerBetter, issueProsody, issueEjabberd]) => {
    const ours = value(caseId, 'palaver', read);
    const met = ours === null ? '–' : (lowerBetter ? ours <= goal : ours >= goal) ? 'yes' : 'no';
    return `| ${label} | ${issueProsody} / ${format(value(caseId, 'prosody', read))} | ${issueEjabberd} / ${format(value(caseId, 'ejabberd', read))} | ${lowerBetter ? '≤' : '≥'} ${format(goal)} | ${format(ours)} | ${met} |`;
  });
  return [
    '### Against the issue\'s targets',
    '',
    '| metric | Prosody (issue / here) | ejabberd (issue / here) | Palaver goal | Palaver here | met |',
    '|---|---:|---:|---:|---:|:---:|',
    ...rows,
    '',
  ];
}

const SERVERS = ['palaver', 'prosody', 'ejabberd'];
const DISPLAY = { palaver: 'Palaver', prosody: 'Prosody', ejabberd: 'ejabberd' };

function loadRange(results) {
  const values = results.flatMap((r) => (r.loadavg_1m ? [r.loadavg_1m.before, r.loadavg_1m.after] : []));
  if (values.length === 0) return 'not recorded';
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
}

function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function format(value) {
  if (value === null || value === undefined) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

function ratio(ours, theirs) {
  if (ours === null || theirs === null || theirs === 0) return '–';
  return `${(ours / theirs).toFixed(2)}×`;
}

function caseTitle(c) {
  const p = c.params ?? {};
  switch (c.scenario) {
    case 'login': return `login over ${p.transport} (${p.clients} clients, ${p.concurrency} in flight)`;
    case 'idle': return `idle over ${p.transport} (${p.clients} clients)`;
    case 'muc-fanout': return `MUC fan-out over ${p.transport} (${p.rooms} rooms × ${p.occupants} occupants, ${p.senders} senders, ${p.duration_s} s per step)`;
    case 'muc-large': return `one room of ${p.occupants} over ${p.transport} (${p.concurrency} joins in flight)`;
    case 'history': return `join with history over ${p.transport} (${p.archived} messages, ${p.joins} joins)`;
    default: return c.id;
  }
}

/**
 * @param {Record<string, unknown>} meta
 * @param {Record<string, any>[]} results
 * @param {string} jsonlPath
 */
export function renderComparison(meta, results, jsonlPath) {
  const servers = SERVERS.filter((s) => results.some((r) => r.server === s));
  const byCase = new Map();
  for (const r of results) {
    if (!byCase.has(r.case)) byCase.set(r.case, []);
    byCase.get(r.case).push(r);
  }
  const v = meta.versions;
  const lines = [
    `## Side by side (${meta.date.slice(0, 10)})`,
    '',
    `Command: \`${meta.command}\` (as root), ${meta.date}, ${meta.rounds} round(s), ${meta.seconds} s in all.`,
    ...(meta.also?.length ? [`Also run afterwards (their lines add to the first run's, or replace them for the same case and server): ${meta.also.map((c) => `\`${c}\``).join(', ')}.`] : []),
    `Machine: ${v.cpu}, ${v.cpus} CPUs, Linux ${v.kernel}; each server pinned to CPU ${meta.server_cpu} (\`taskset\`), the load generator to CPU ${meta.loadgen_cpu}, both at nice ${meta.nice ?? 0}.`,
    `Versions: Palaver ${v.palaver} (commit ${v.palaver_commit}${v.palaver_tree_dirty === 'yes' ? ' plus uncommitted server changes' : ''}; ${v.palaver_build}) on Node ${v.node}; Prosody ${v.prosody}; ejabberd ${v.ejabberd} (Debian packages).`,
    `Every figure is the median over the rounds; each run is on a fresh instance after 300 warm-up logins. Raw lines: \`${jsonlPath}\`.`,
    `Machine load (1-minute load average) during the runs: ${loadRange(results)}; other work on the machine makes every server look slower alike, but adds noise.`,
    '',
    ...targetTable(results),
    '### Every figure',
    '',
    `| case | metric | ${servers.map((s) => DISPLAY[s]).join(' | ')} |${servers.includes('palaver') ? servers.filter((s) => s !== 'palaver').map((s) => ` Palaver/${DISPLAY[s]} |`).join('') : ''}`,
    `|---|---|${servers.map(() => '---:|').join('')}${servers.includes('palaver') ? servers.filter((s) => s !== 'palaver').map(() => '---:|').join('') : ''}`,
  ];
  const errors = [];
  for (const [id, runs] of byCase) {
    const spec = runs[0];
    const metrics = METRICS[spec.scenario] ?? [];
    const title = caseTitle({ id, scenario: spec.scenario, params: { transport: spec.transport, ...spec, ...(spec.params ?? {}) } });
    for (const [i, [label, unit, lowerBetter, read]] of metrics.entries()) {
      const values = Object.fromEntries(servers.map((s) => [s, median(runs.filter((r) => r.server === s && !r.error).map(read))]));
      const cells = servers.map((s) => {
        const failed = runs.filter((r) => r.server === s).every((r) => r.error);
        return failed ? 'failed' : format(values[s]);
      });
      const ratios = servers.includes('palaver') ? servers.filter((s) => s !== 'palaver').map((s) => ratio(values.palaver, values[s])) : [];
      lines.push(`| ${i === 0 ? title : ''} | ${label}${unit ? ` (${unit})` : ''}${lowerBetter ? ' ↓' : ' ↑'} | ${cells.join(' | ')} |${ratios.map((x) => ` ${x} |`).join('')}`);
    }
    for (const r of runs.filter((run) => run.error)) errors.push(`- ${id}, ${r.server}, round ${r.round}: ${String(r.error).slice(0, 400)}`);
  }
  lines.push('', '↓ lower is better, ↑ higher is better. A ratio below 1× means Palaver uses less (for ↓ rows) or achieves less (for ↑ rows). Fan-out figures at a rate are shown only where the server kept up with it (– otherwise).');
  if (errors.length > 0) lines.push('', '### Runs that failed', '', ...errors);
  return lines.join('\n');
}
