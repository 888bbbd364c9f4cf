/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it
 * throws on anything the format does not allow (a sample before its TYPE, a bad name, an
 * unterminated or badly escaped label value, a value that is not a float, a duplicate
 * series), so that a scrape that parses is one Prometheus would accept.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = {
  counter: [''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const seriesSeen = new Set<string>();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, index) => {
    const where = `line ${index + 1} (${JSON.stringify(line)})`;
    if (line.startsWith('#')) return parseComment(line, families, where);
    if (line.trim() === '') return;
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`${where}: sample of an undeclared metric`);
    const series = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seriesSeen.has(series)) throw new Error(`${where}: duplicate series`);
    seriesSeen.add(series);
    family.samples.push(sample);
  });
  return families;
}

function parseComment(line: string, families: Map<string, MetricFamily>, where: string): void {
  const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
  if (!match) return; // an ordinary comment
  const [, keyword, name, rest] = match as unknown as [string, string, string, string];
  if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
  const family = families.get(name) ?? { name, type: 'untyped' as const, help: '', samples: [] };
  if (family.samples.length > 0) throw new Error(`${where}: ${keyword} after the metric's samples`);
  if (keyword === 'TYPE') {
    if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
    family.type = rest as MetricFamily['type'];
  } else {
    family.help = rest.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
  }
  families.set(name, family);
}

function familyOf(sampleName: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  for (const family of families.values()) {
    if (SUFFIXES[family.type]!.some((suffix) => `${family.name}${suffix}` === sampleName)) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) throw new Error(`${where}: no value`);
  const name = line.slice(0, nameEnd);
  if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
  let position = nameEnd;
  const labels: Record<string, string> = {};
  if (line[position] === '{') {
    position += 1;
    while (line[position] !== '}') {
      const eq = line.indexOf('=', position);
      if (eq === -1) throw new Error(`${where}: label without a value`);
      const label = line.slice(position, eq);
      if (!LABEL_NAME.test(label) || label in labels) throw new Error(`${where}: bad or repeated label name ${label}`);
      if (line[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
      let value = '';
      let cursor = eq + 2;
      for (;; cursor++) {
        const c = line[cursor];
        if (c === undefined) throw new Error(`${where}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const escaped = line[++cursor];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`${where}: bad escape`);
        } else {
          value += c;
        }
      }
      labels[label] = value;
      position = cursor + 1;
      if (line[position] === ',') position += 1;
      else if (line[position] !== '}') throw new Error(`${where}: expected , or }`);
    }
    position += 1;
  }
  const rest = line.slice(position);
  const match = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!match) throw new Error(`${where}: bad value part`);
  return { name, labels, value: parseFloatStrict(match[1]!, where) };
}

function parseFloatStrict(text: string, where: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: not a float: ${text}`);
  return Number(text);
}

/** The value of one series (labels given must match exactly those of the sample); throws when absent. */
export function sampleValue(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  for (const family of families.values()) {
    const sample = family.samples.find((candidate) => candidate.name === name
      && Object.keys(candidate.labels).length === Object.keys(labels).length
      && Object.entries(labels).every(([key, value]) => candidate.labels[key] === value));
    if (sample) return sample.value;
  }
  throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
}
