/**
 * Log lines for people: pino's JSON turned into one readable line per entry, for a terminal
 * (`palaver start` run by hand). Services and files keep the JSON (log.ts decides).
 *
 *   18:37:27.123 INFO  Palaver is listening: open http://localhost:5280/ …  http=127.0.0.1:5280
 *   18:37:30.002 ERROR HTTP request failed
 *       Error: boom
 *           at …
 */

const LEVELS: Record<number, { name: string; colour: string }> = {
  10: { name: 'TRACE', colour: '90' },
  20: { name: 'DEBUG', colour: '36' },
  30: { name: 'INFO ', colour: '32' },
  40: { name: 'WARN ', colour: '33' },
  50: { name: 'ERROR', colour: '31' },
  60: { name: 'FATAL', colour: '35' },
};

/** Not repeated on every line: the time and level lead it, the rest is the same for every line. */
const LEADING = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname']);

export interface LineStyle {
  /** ANSI colours for the level and the field names. */
  colour: boolean;
}

/** One JSON log line (pino's output) as text; a line that is not JSON is passed through. */
export function formatLogLine(json: string, style: LineStyle): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const paint = (code: string, text: string) => (style.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = LEVELS[Number(entry.level)] ?? { name: String(entry.level).toUpperCase().padEnd(5), colour: '0' };
  const time = typeof entry.time === 'number' ? clock(entry.time) : '';
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (LEADING.has(key) || value === undefined) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const error = value as { stack?: unknown; message?: unknown };
      stack = String(error.stack ?? error.message ?? '');
      continue;
    }
    fields.push(`${paint('2', `${key}=`)}${fieldValue(value)}`);
  }
  const head = `${time} ${paint(level.colour, level.name)} ${String(entry.msg ?? '')}`;
  const line = fields.length > 0 ? `${head}  ${fields.join(' ')}` : head;
  const indentedStack = stack === '' ? '' : `\n${stack.split('\n').map((text) => `    ${text}`).join('\n')}`;
  return `${line}${indentedStack}\n`;
}

function clock(time: number): string {
  const date = new Date(time);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Plain words stay bare; anything with spaces, quotes or structure is JSON. */
function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
