import { describe, expect, it } from 'vitest';
import { parseClientResponse } from '../../server/sasl/oauthbearer.js';

const parse = (text: string) => parseClientResponse(Buffer.from(text, 'utf8'));

describe('OAUTHBEARER client response (RFC 7628 §3.1)', () => {
  it('reads the token from what Strophe.js sends, with and without an authzid', () => {
    expect(parse('n,,\x01auth=Bearer abc.def-_.g~+/==\x01\x01')).toEqual({ authzid: '', token: 'abc.def-_.g~+/==' });
    expect(parse('n,a=anon.localhost,\x01host=anon.localhost\x01port=443\x01auth=bearer   tok\x01\x01'))
      .toEqual({ authzid: 'anon.localhost', token: 'tok' });
    expect(parse('y,a=x=2Cy,\x01auth=Bearer t\x01\x01')).toEqual({ authzid: 'x,y', token: 't' });
  });

  it('refuses what is not a client response', () => {
    const bad = [
      '\x01', // the dummy answer to an error challenge: never asked for here
      'n,\x01auth=Bearer t\x01\x01',
      'p=tls-unique,,\x01auth=Bearer t\x01\x01',
      'x,,\x01auth=Bearer t\x01\x01',
      'n,b=who,\x01auth=Bearer t\x01\x01',
      'n,,auth=Bearer t\x01\x01',
      'n,,\x01auth=Bearer t\x01',
      'n,,\x01host=h\x01\x01',
      'n,,\x01auth=Basic dXNlcjpwYXNz\x01\x01',
      'n,,\x01auth=Bearer a b\x01\x01',
      'n,,\x01auth=Bearer t\x01auth=Bearer u\x01\x01',
      'n,,\x01no-equals\x01auth=Bearer t\x01\x01',
      'n,,\x01auth=Bearer t\x00\x01\x01',
    ];
    for (const text of bad) expect(parse(text), JSON.stringify(text)).toHaveProperty('problem');
    expect(parseClientResponse(Buffer.from([0x6e, 0x2c, 0x2c, 0x01, 0xff, 0x01, 0x01]))).toEqual({ problem: 'not UTF-8' });
  });
});
