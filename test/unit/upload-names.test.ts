import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, contentDisposition, sanitiseFileName } from '../../server/upload/names.js';
import { contentTypeMatches, isShownInline, normaliseContentType, servedContentType } from '../../server/upload/media-types.js';

describe('a file name chosen by an uploader', () => {
  it('keeps ordinary names, unicode included', () => {
    expect(sanitiseFileName('holiday photo.jpg')).toBe('holiday photo.jpg');
    expect(sanitiseFileName('très cool 🎉.png')).toBe('très cool 🎉.png');
    expect(sanitiseFileName('Ελληνικά.txt')).toBe('Ελληνικά.txt');
  });

  it('never contains a path: only the last segment survives, whatever the separator', () => {
    expect(sanitiseFileName('../x')).toBe('x');
    expect(sanitiseFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFileName('C:\\Users\\me\\secret.doc')).toBe('secret.doc');
    expect(sanitiseFileName('dir/')).toBe('dir');
    for (const hostile of ['..', '.', '/', '\\', '../', '..\\..', '....']) {
      const name = sanitiseFileName(hostile);
      expect(name).not.toMatch(/[/\\]/);
      expect(name).not.toMatch(/^\./);
    }
  });

  it('keeps percent signs literally, so %2e%2e/ cannot become .. anywhere', () => {
    const name = sanitiseFileName('%2e%2e/');
    expect(name).toBe('%2e%2e');
    expect(encodeURIComponent(name)).toBe('%252e%252e');
    expect(sanitiseFileName('%2e%2e%2fx')).toBe('%2e%2e%2fx');
  });

  it('drops NUL, control characters and bidi overrides', () => {
    expect(sanitiseFileName('a\u0000b.txt')).toBe('ab.txt');
    expect(sanitiseFileName('line\nbreak\r\t.txt')).toBe('line break .txt');
    expect(sanitiseFileName('invoice\u202Egpj.exe')).toBe('invoicegpj.exe');
    expect(sanitiseFileName('\u0000')).toBe('file');
    expect(sanitiseFileName('\u0085\u2028x\u2029')).toBe('x');
  });

  it('hides nothing behind leading dots and drops trailing dots and blanks', () => {
    expect(sanitiseFileName('.bashrc')).toBe('bashrc');
    expect(sanitiseFileName('  report.pdf . ')).toBe('report.pdf');
  });

  it('cuts a 10 KB name to a bounded length and keeps its extension', () => {
    const name = sanitiseFileName('a'.repeat(10_000) + '.png');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name.endsWith('.png')).toBe(true);
    const wide = sanitiseFileName('😀'.repeat(5_000));
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(wide).toMatch(/^(😀)+$/u);
  });

  it('drops lone surrogates, which could not be put in a URL', () => {
    const name = sanitiseFileName('a\uD800b.txt');
    expect(name).toBe('ab.txt');
    expect(() => encodeURIComponent(name)).not.toThrow();
  });

  it('is shown in Content-Disposition with an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('attachment', 'très "cool".html'))
      .toBe(`attachment; filename="tr_s _cool_.html"; filename*=UTF-8''tr%C3%A8s%20%22cool%22.html`);
    expect(contentDisposition('inline', "it's (1).png"))
      .toBe(`inline; filename="it's (1).png"; filename*=UTF-8''it%27s%20%281%29.png`);
  });
});

describe('the content type of an upload', () => {
  it('is normalised, empty when not declared, refused when not a media type', () => {
    expect(normaliseContentType('Image/PNG')).toBe('image/png');
    expect(normaliseContentType('text/plain;charset=UTF-8')).toBe('text/plain; charset=utf-8');
    expect(normaliseContentType(undefined)).toBe('');
    expect(normaliseContentType('  ')).toBe('');
    for (const bad of ['png', 'text/plain\r\nX-Evil: 1', 'a/b/c', 'x'.repeat(300) + '/y', 'text/html; charset']) {
      expect(normaliseContentType(bad)).toBeNull();
    }
  });

  it('of a PUT must match the slot, unless the slot declared none', () => {
    expect(contentTypeMatches('image/png', 'image/PNG')).toBe(true);
    expect(contentTypeMatches('image/png', 'text/html')).toBe(false);
    expect(contentTypeMatches('image/png', undefined)).toBe(false);
    expect(contentTypeMatches('', 'anything/at-all')).toBe(true);
    expect(servedContentType('')).toBe('application/octet-stream');
  });

  it('decides what a browser may show inline: images, audio, video, plain text only', () => {
    for (const inline of ['image/png', 'image/jpeg', 'audio/ogg', 'video/mp4', 'text/plain', 'text/plain; charset=utf-8']) {
      expect(isShownInline(inline)).toBe(true);
    }
    for (const download of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'text/xml', 'application/pdf',
      'application/javascript', 'text/javascript', 'application/octet-stream', 'multipart/x-mixed-replace']) {
      expect(isShownInline(download)).toBe(false);
    }
  });
});
