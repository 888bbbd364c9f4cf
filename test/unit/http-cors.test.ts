import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { corsFor } from '../../server/access/origins.js';
import { OriginPolicy } from '../../server/access/origins.js';

const policy = (origins: string[] = []) => new OriginPolicy(configFromObject({ http: { cors_origins: origins }, listen: { public_url: 'https://chat.example' } }));
const request = (method: string, headers: Record<string, string> = {}) => ({ method, headers });
const PREFLIGHT = {
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Max-Age': '86400',
};

describe('corsFor (CORS of the transports)', () => {
  it('a request without Origin passes with Vary alone; its preflight gets the preflight headers', () => {
    expect(corsFor(policy(), request('POST'))).toEqual({ headers: { Vary: 'Origin' }, refusal: null, preflight: false });
    expect(corsFor(policy(), request('OPTIONS'))).toEqual({ headers: { Vary: 'Origin', ...PREFLIGHT }, refusal: null, preflight: true });
  });

  it('an allowed origin is echoed (or * when any origin is allowed)', () => {
    const origin = { origin: 'https://chat.example' };
    expect(corsFor(policy(), request('POST', origin)).headers).toEqual({ Vary: 'Origin', 'Access-Control-Allow-Origin': 'https://chat.example' });
    expect(corsFor(policy(), request('OPTIONS', origin))).toEqual({
      headers: { Vary: 'Origin', 'Access-Control-Allow-Origin': 'https://chat.example', ...PREFLIGHT }, refusal: null, preflight: true,
    });
    expect(corsFor(policy(['*']), request('GET', { origin: 'https://any.example' })).headers['Access-Control-Allow-Origin']).toBe('*');
  });

  it('another origin is refused with 403, preflight or not, and gets no CORS header', () => {
    for (const method of ['POST', 'OPTIONS', 'PUT']) {
      const answer = corsFor(policy(), request(method, { origin: 'https://evil.example' }));
      expect(answer.refusal).toEqual({ status: 403, text: 'This origin may not use this server.\n' });
      expect(answer.headers).toEqual({ Vary: 'Origin' });
    }
  });

  it('a page served from this listener on a loopback address is same-origin', () => {
    const local = request('POST', { origin: 'http://127.0.0.1:5280', host: '127.0.0.1:5280' });
    expect(corsFor(policy(), local).refusal).toBeNull();
    expect(corsFor(policy(), { ...local, headers: { ...local.headers, host: '127.0.0.1:5281' } }).refusal).not.toBeNull();
  });
});
