import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../server/util/log-lines.js';
import { createLogger, readableLines } from '../../server/log.js';

describe('readable log lines', () => {
  it('puts the time, the level and the message first, then the fields', () => {
    const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
    const line = formatLogLine(JSON.stringify({ level: 30, time, service: 'palaver', msg: 'client connected', stream: 'abc', transport: 'tcp', domains: ['a', 'b'], note: 'two words' }), { colour: false });
    expect(line).toBe('03:04:05.006 INFO  client connected  stream=abc transport=tcp domains=["a","b"] note="two words"\n');
  });

  it('prints an error stack under its line, indented', () => {
    const line = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'HTTP request failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:2)' } }), { colour: false });
    expect(line.split('\n')).toEqual([expect.stringMatching(/ ERROR HTTP request failed$/), '    Error: boom', '        at x (y.js:1:2)', '']);
  });

  it('colours the level for a terminal', () => {
    expect(formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'careful' }), { colour: true })).toContain('\u001b[33mWARN \u001b[0m');
  });

  it('passes a line that is not JSON through', () => {
    expect(formatLogLine('not json', { colour: false })).toBe('not json\n');
  });

  it('still redacts secrets', () => {
    const written: string[] = [];
    const log = createLogger({ log: { level: 'info', ip_addresses: false } }, readableLines({ write: (text: string) => { written.push(text); return true; } }, false));
    log.info({ url: 'https://chat.example/upload/x?token=abcdef' }, 'slot');
    expect(written.join('')).toContain('token=[redacted]');
    expect(written.join('')).not.toContain('abcdef');
  });
});
