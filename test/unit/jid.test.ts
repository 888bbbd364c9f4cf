import { describe, it, expect } from 'vitest';
import { Jid, JidError, parseJid, tryParseJid } from '../../server/jid/jid.js';

const parts = (s: string) => {
  const j = parseJid(s);
  return [j.local, j.domain, j.resource];
};

describe('RFC 7622 §3.5 examples', () => {
  it.each([
    ['juliet@example.com', ['juliet', 'example.com', null]],
    ['juliet@example.com/foo', ['juliet', 'example.com', 'foo']],
    ['juliet@example.com/foo bar', ['juliet', 'example.com', 'foo bar']],
    ['juliet@example.com/foo@bar', ['juliet', 'example.com', 'foo@bar']],
    ['foo\\20bar@example.com', ['foo\\20bar', 'example.com', null]],
    ['fussball@example.com', ['fussball', 'example.com', null]],
    ['fußball@example.com', ['fußball', 'example.com', null]],
    ['π@example.com', ['π', 'example.com', null]],
    ['Σ@example.com/foo', ['σ', 'example.com', 'foo']],
    ['σ@example.com/foo', ['σ', 'example.com', 'foo']],
    ['ς@example.com/foo', ['ς', 'example.com', 'foo']],
    ['king@example.com/♚', ['king', 'example.com', '♚']],
    ['example.com', [null, 'example.com', null]],
    ['example.com/foobar', [null, 'example.com', 'foobar']],
    ['a.example.com/b@example.net', [null, 'a.example.com', 'b@example.net']],
    // Listed as invalid in RFC 7622 but withdrawn by verified erratum 4560: OpaqueString allows a leading space.
    ['juliet@example.com/ foo', ['juliet', 'example.com', ' foo']],
  ] as const)('accepts %s', (input, expected) => {
    expect(parts(input)).toEqual(expected);
  });

  it.each([
    ['"juliet"@example.com', 'quotation marks in localpart'],
    ['foo bar@example.com', 'space in localpart'],
    ['@example.com/', 'empty localpart and resourcepart'],
    ['henry\u2163@example.com', 'ROMAN NUMERAL FOUR (compatibility character) in localpart'],
    ['♚@example.com', 'symbol in localpart'],
    ['juliet@', 'empty domainpart'],
    ['/foobar', 'empty domainpart'],
  ])('rejects %s (%s)', (input) => {
    expect(() => parseJid(input)).toThrow(JidError);
    expect(tryParseJid(input)).toBeNull();
  });
});

describe('parsing', () => {
  it('splits at the first "/" and then the first "@" before it', () => {
    expect(parts('a@b/c@d/e')).toEqual(['a', 'b', 'c@d/e']);
    expect(parts('b/c@d')).toEqual([null, 'b', 'c@d']);
  });

  it('rejects empty parts', () => {
    for (const s of ['', '@', '/', 'example.com/', 'juliet@example.com/', '@example.com', 'a@b@example.com']) {
      expect(tryParseJid(s), s).toBeNull();
    }
  });

  it('tryParseJid returns null for null and undefined', () => {
    expect(tryParseJid(null)).toBeNull();
    expect(tryParseJid(undefined)).toBeNull();
  });
});

describe('localpart (UsernameCaseMapped)', () => {
  it('case-folds the localpart and domainpart but not the resourcepart', () => {
    expect(parseJid('Juliet@Example.COM/Balcony').toString()).toBe('juliet@example.com/Balcony');
    expect(parts('ÇA@example.com')[0]).toBe('ça');
    expect(parts('ΣΑΣ@example.com')[0]).toBe('σας'); // toLowerCase's final-sigma rule
  });

  it('maps fullwidth and halfwidth characters, and only those', () => {
    expect(parts('ＪＵＬＩＥＴ@example.com')[0]).toBe('juliet');
    expect(parts('ｶ@example.com')[0]).toBe('カ');
    expect(tryParseJid('ﬁ@example.com')).toBeNull(); // ligature: compatibility, not width
    expect(tryParseJid('x²@example.com')).toBeNull();
  });

  it('applies NFC', () => {
    expect(parts('e\u0301@example.com')[0]).toBe('\u00e9');
  });

  it('rejects RFC 7622 prohibited characters, including fullwidth ones that map to them', () => {
    for (const c of ['"', '&', "'", ':', '<', '>']) expect(tryParseJid(`a${c}b@example.com`), c).toBeNull();
    expect(tryParseJid('a＠b@example.com')).toBeNull();
    expect(tryParseJid('a＂b@example.com')).toBeNull();
  });

  it('accepts other ASCII punctuation', () => {
    expect(parts('a.b_c-d+e!#$%*=?^`{|}~\\@example.com')[0]).toBe('a.b_c-d+e!#$%*=?^`{|}~\\');
  });

  it('rejects spaces, controls, invisible and unassigned characters', () => {
    for (const s of ['a\u00a0b', 'a\u3000b', 'a\tb', 'a\u0000b', 'a\u007fb', 'a\u200bb', 'a\u00adb', 'a\u{e0001}b', 'a\u0378b', 'a\ufdd0b', 'a\ud800b', 'a\ue000b']) {
      expect(tryParseJid(`${s}@example.com`), JSON.stringify(s)).toBeNull();
    }
  });

  it('applies context rules', () => {
    expect(parts('col·lecció@example.com')[0]).toBe('col·lecció');
    expect(tryParseJid('a·b@example.com')).toBeNull();
    expect(parts('क्\u200dष@example.com')[0]).toBe('क्\u200dष'); // ZWJ after a virama
    expect(tryParseJid('a\u200db@example.com')).toBeNull();
    expect(parts('می\u200cخواهم@example.com')[0]).toBe('می\u200cخواهم'); // Persian ZWNJ
    expect(tryParseJid('\u0661\u06f1@example.com')).toBeNull(); // mixed Arabic-Indic digits
  });

  it('applies the Bidi Rule', () => {
    expect(parts('שלום@example.com')[0]).toBe('שלום');
    expect(parts('مرحبا@example.com')[0]).toBe('مرحبا');
    expect(tryParseJid('abcשלום@example.com')).toBeNull();
    expect(tryParseJid('1שלום@example.com')).toBeNull();
    expect(tryParseJid('שלום.@example.com')).toBeNull();
  });

  it('is idempotent', () => {
    for (const s of ['Juliet@Example.COM/Balcony', 'ＪＵＬＩＥＴ@bücher.example/♚', 'ΣΑΣ@example.com']) {
      const once = parseJid(s).toString();
      expect(parseJid(once).toString()).toBe(once);
    }
  });
});

describe('domainpart', () => {
  it('strips one trailing dot', () => {
    expect(parseJid('juliet@example.com./x').toString()).toBe('juliet@example.com/x');
    expect(parseJid('example.com.').toString()).toBe('example.com');
    expect(tryParseJid('example.com..')).toBeNull();
    expect(tryParseJid('.')).toBeNull();
  });

  it('keeps IDNs in Unicode form, and maps A-labels to it', () => {
    expect(parseJid('juliet@bücher.example').domain).toBe('bücher.example');
    expect(parseJid('juliet@xn--bcher-kva.example').domain).toBe('bücher.example');
    expect(parseJid('juliet@XN--BCHER-KVA.Example').domain).toBe('bücher.example');
    expect(parseJid('juliet@BÜCHER.example').domain).toBe('bücher.example');
    expect(parseJid('juliet@xn--bcher-kva.example').equals(parseJid('Juliet@Bücher.Example.'))).toBe(true);
    expect(parseJid('fuß.de').domain).toBe('fuß.de');
    expect(parseJid('example。com').domain).toBe('example.com');
  });

  it('rejects invalid labels', () => {
    for (const d of ['a..b', '.a', '-a.com', 'a-.com', 'ab--cd.com', 'a b.com', 'a!b.com', 'ex%61mple.com',
      'x'.repeat(64) + '.com', 'xn--zz.example', 'xn--bung-fna.example', '☃.net', 'a\u200db.com', '1\u0627.example']) {
      expect(tryParseJid(d), d).toBeNull();
    }
    expect(parseJid('x'.repeat(63) + '.com').domain).toBe('x'.repeat(63) + '.com');
    expect(parseJid('my_service').domain).toBe('my_service');
  });

  it('limits the domain name to 253 octets', () => {
    const label = 'a'.repeat(63);
    const ok = [label, label, label, 'a'.repeat(61)].join('.');
    expect(ok.length).toBe(253);
    expect(parseJid(ok).domain).toBe(ok);
    expect(tryParseJid(ok + 'a')).toBeNull();
  });

  it('accepts IP literals', () => {
    expect(parseJid('juliet@192.168.0.1/x').domain).toBe('192.168.0.1');
    expect(parseJid('juliet@[::1]/x').toString()).toBe('juliet@[::1]/x');
    expect(parseJid('[0:0:0:0:0:0:0:1]').domain).toBe('[::1]');
    expect(parseJid('[2001:DB8::A]').domain).toBe('[2001:db8::a]');
    for (const d of ['1.2', '999.1.1.1', 'example.123', '[::1', '[example.com]', '[fe80::1%25eth0]', '::1']) {
      expect(tryParseJid(d), d).toBeNull();
    }
  });
});

describe('resourcepart (OpaqueString)', () => {
  it('preserves case, width and symbols', () => {
    expect(parts('a@b/Ｂalcony ♚ ØÆ')[2]).toBe('Ｂalcony ♚ ØÆ');
  });

  it('maps non-ASCII spaces to U+0020 and applies NFC', () => {
    expect(parts('a@b/x\u00a0y\u3000z')[2]).toBe('x y z');
    expect(parts('a@b/e\u0301')[2]).toBe('\u00e9');
  });

  it('rejects control and other disallowed characters', () => {
    for (const s of ['\u0000', '\u0009', '\n', '\u001f', '\u007f', '\u0085', '\u200b', '\u2028', '\u202e', '\ue000', '\u0378', '\ud800']) {
      expect(tryParseJid(`a@b/x${s}y`), JSON.stringify(s)).toBeNull();
    }
  });

  it('accepts emoji sequences (documented deviation) but not stray variation selectors or joiners', () => {
    for (const r of ['❤️', '👩‍💻', '🏳️‍🌈', '👍🏽', '1️⃣']) expect(parts(`room@muc.example/${r}`)[2]).toBe(r);
    expect(tryParseJid('room@muc.example/a\ufe0f')).toBeNull();
    expect(tryParseJid('room@muc.example/a\u200db')).toBeNull();
  });
});

describe('length limits', () => {
  it('accepts 1023-byte parts and rejects 1024-byte parts', () => {
    expect(parseJid(`${'a'.repeat(1023)}@example.com`).local).toHaveLength(1023);
    expect(tryParseJid(`${'a'.repeat(1024)}@example.com`)).toBeNull();
    expect(parseJid(`example.com/${'r'.repeat(1023)}`).resource).toHaveLength(1023);
    expect(tryParseJid(`example.com/${'r'.repeat(1024)}`)).toBeNull();
    // Bytes, not characters: 'é' is two bytes in UTF-8.
    expect(tryParseJid(`${'é'.repeat(512)}@example.com`)).toBeNull();
    expect(parseJid(`${'é'.repeat(511)}a@example.com`).local).toHaveLength(512);
    expect(tryParseJid(`example.com/${'♚'.repeat(342)}`)).toBeNull(); // 1026 bytes
  });
});

describe('Jid', () => {
  it('builds from parts with the same rules', () => {
    expect(Jid.of('Juliet', 'Example.com', 'Balcony').toString()).toBe('juliet@example.com/Balcony');
    expect(Jid.of(null, 'example.com').toString()).toBe('example.com');
    expect(() => Jid.of('', 'example.com')).toThrow(JidError);
    expect(() => Jid.of('juliet', '')).toThrow(JidError);
    expect(() => Jid.of('juliet', 'example.com', '')).toThrow(JidError);
    expect(() => Jid.of('a@b', 'example.com')).toThrow(JidError);
  });

  it('bare(), withResource(), isBare, isDomain', () => {
    const full = parseJid('juliet@example.com/balcony');
    expect(full.isBare).toBe(false);
    expect(full.bare().toString()).toBe('juliet@example.com');
    expect(full.bare().isBare).toBe(true);
    const bare = full.bare();
    expect(bare.bare()).toBe(bare);
    expect(full.bare().withResource('orchard').toString()).toBe('juliet@example.com/orchard');
    expect(full.withResource('x\u00a0y').resource).toBe('x y');
    expect(() => full.withResource('')).toThrow(JidError);
    expect(() => full.withResource('a\u0000')).toThrow(JidError);
    expect(parseJid('example.com').isDomain).toBe(true);
    expect(parseJid('example.com/r').isDomain).toBe(false);
    expect(parseJid('a@example.com').isDomain).toBe(false);
  });

  it('equals() compares normalised forms', () => {
    expect(parseJid('JULIET@EXAMPLE.COM/r').equals(parseJid('juliet@example.com./r'))).toBe(true);
    expect(parseJid('juliet@example.com/R').equals(parseJid('juliet@example.com/r'))).toBe(false);
    expect(parseJid('juliet@example.com').equals(parseJid('juliet@example.com/r'))).toBe(false);
    expect(parseJid('juliet@example.com').equals(null)).toBe(false);
    expect(parseJid('juliet@example.com').equals(undefined)).toBe(false);
  });
});
