/** Nickname comparison: RFC 8266's rules, the TS #39 skeleton, and the keys rooms compare by. */
import { describe, expect, it } from 'vitest';
import { confusableSkeleton } from '../../server/jid/confusables.js';
import { nicknameComparisonKey, PrecisError } from '../../server/jid/precis.js';
import { nickKeys } from '../../server/muc/nick-key.js';

describe('the RFC 8266 Nickname comparison', () => {
  it('gives the comparison forms of the RFC’s examples (§5)', () => {
    expect(nicknameComparisonKey('Foo')).toBe('foo');
    expect(nicknameComparisonKey('foo')).toBe('foo');
    expect(nicknameComparisonKey('Foo Bar')).toBe('foo bar');
    expect(nicknameComparisonKey('\u03a3')).toBe('\u03c3');
    expect(nicknameComparisonKey('\u03c2')).toBe('\u03c2');
    expect(nicknameComparisonKey('\u03d4')).toBe('\u03cb');
    expect(nicknameComparisonKey('\u221e')).toBe('\u221e');
    expect(nicknameComparisonKey('Richard \u2163')).toBe('richard iv');
  });

  it('maps other spaces to one ASCII space and drops them at the ends', () => {
    expect(nicknameComparisonKey('\u00a0Foo\u2003\u3000Bar ')).toBe('foo bar');
  });

  it('refuses what the FreeformClass refuses, and what maps to nothing', () => {
    for (const bad of ['', 'a\u0007b', 'a\u200bb', ' ']) expect(() => nicknameComparisonKey(bad)).toThrow(PrecisError);
  });
});

describe('the TS #39 skeleton', () => {
  it('meets look-alikes across scripts, and digits with letters', () => {
    expect(confusableSkeleton('\u0430lice')).toBe(confusableSkeleton('alice'));
    expect(confusableSkeleton('\u03bfmega')).toBe(confusableSkeleton('omega'));
    expect(confusableSkeleton('m')).toBe(confusableSkeleton('rn'));
    expect(confusableSkeleton('bi11')).toBe(confusableSkeleton('bill'));
  });

  it('sees through decomposition and default-ignorable code points', () => {
    expect(confusableSkeleton('Jose\u0301')).toBe(confusableSkeleton('Jos\u00e9'));
    expect(confusableSkeleton('al\u00adice')).toBe(confusableSkeleton('alice'));
  });

  it('keeps different letters apart', () => {
    expect(confusableSkeleton('alice')).not.toBe(confusableSkeleton('alicia'));
    expect(confusableSkeleton('Zo\u00eb')).not.toBe(confusableSkeleton('Zoe'));
  });
});

describe('a room’s nickname keys', () => {
  const same = (a: string, b: string) => nickKeys(a).some((key) => nickKeys(b).includes(key));

  it('make case, width and look-alike letters one nickname', () => {
    for (const other of ['ALICE', 'Alice', '\uff41\uff4c\uff49\uff43\uff45', '\u0430lice', '\u0391LICE', 'AIice', 'a1ice']) {
      expect(same('alice', other), other).toBe(true);
    }
    expect(same('Paul', 'PauI')).toBe(true);
  });

  it('leave different nicknames different', () => {
    for (const [a, b] of [['alice', 'alicia'], ['Ann', 'Anne'], ['Zo\u00eb', 'Zoe'], ['bob', 'rob']]) expect(same(a!, b!), `${a} ${b}`).toBe(false);
  });
});
