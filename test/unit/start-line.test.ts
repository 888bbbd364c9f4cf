import { describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { insecurePublicUrlWarning, startMessage } from '../../server/startup/start-line.js';

const http = { address: '127.0.0.1', family: 'IPv4', port: 5280 };
const c2s = { address: '127.0.0.1', family: 'IPv4', port: 5222 };

function config(publicUrl: string, uploads = true) {
  return configFromObject({ listen: { public_url: publicUrl }, upload: { enabled: uploads } });
}

describe('the start log and http:// public URLs', () => {
  it('warns when people elsewhere would get http:// upload links', () => {
    const warning = insecurePublicUrlWarning(config('http://chat.example.org'));
    expect(warning).toContain('Gajim refuses');
    expect(warning).toContain('https://');
  });

  it('stays quiet for a trial on loopback', () => {
    expect(insecurePublicUrlWarning(config('http://localhost:5280'))).toBeNull();
    expect(insecurePublicUrlWarning(config('http://127.0.0.1:5280'))).toBeNull();
  });

  it('says nothing with https, or with uploads off', () => {
    const secure = config('https://chat.example.org');
    expect(insecurePublicUrlWarning(secure)).toBeNull();
    expect(startMessage(secure, { http, c2s })).toContain('open https://chat.example.org/ in a browser');
    expect(insecurePublicUrlWarning(config('http://chat.example.org', false))).toBeNull();
  });
});
