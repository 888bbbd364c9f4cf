import { describe, expect, it } from 'vitest';
import { pathBelow } from '../../server/http/endpoints.js';

describe('pathBelow (which requests the listener hands to a path-mounted handler)', () => {
  it('matches the prefix as express mounts a router there', () => {
    expect(pathBelow('/http-bind', '/http-bind')).toBe('');
    expect(pathBelow('/http-bind', '/http-bind/')).toBe('/');
    expect(pathBelow('/http-bind', '/HTTP-Bind')).toBe('');
    expect(pathBelow('/http-bind', '/http-bind?rid=1')).toBe('');
    expect(pathBelow('/http-bind', '/http-bind/?x#y')).toBe('/');
    expect(pathBelow('/http-bind', '/http-bind#frag')).toBe('');
    expect(pathBelow('/http-bind', '/http-bind/foo/bar?q')).toBe('/foo/bar');
    expect(pathBelow('/http-bind', 'http://chat.example/http-bind?x')).toBe('');
  });

  it('leaves everything else alone', () => {
    for (const url of ['/', '/http-bin', '/http-bindx', '/http-bind%2F', '/x/http-bind', '//http-bind', '*', 'garbage', '', undefined]) {
      expect(pathBelow('/http-bind', url)).toBeNull();
    }
    expect(pathBelow('/http-bind', '/http?-bind')).toBeNull();
  });
});
