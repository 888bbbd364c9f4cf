import { describe, expect, it } from 'vitest';
import { escapeHtml, inlineJson, sanitiseInfoHtml } from '../../server/http/landing-html.js';

const clean = (input: string) => sanitiseInfoHtml(input).html;

describe('the landing page info paragraph from the config', () => {
  it('keeps the few formatting tags an admin needs', () => {
    expect(clean('Trouble? <b>Reload</b> the page.<br>Ask <em>me</em>, <i>or</i> <strong>us</strong>.'))
      .toBe('Trouble? <b>Reload</b> the page.<br>Ask <em>me</em>, <i>or</i> <strong>us</strong>.');
    expect(clean('<P>One</P><p>Two</p>')).toBe('<p>One</p><p>Two</p>');
  });

  it('keeps http, https and mailto links and nothing else on them', () => {
    expect(clean('<a href="mailto:admin@example.org" onclick="steal()" style="x">mail</a>'))
      .toBe('<a href="mailto:admin@example.org" rel="noopener noreferrer nofollow">mail</a>');
    expect(clean("<a href='https://example.org/help?a=1&amp;b=2'>help</a>"))
      .toBe('<a href="https://example.org/help?a=1&amp;b=2" rel="noopener noreferrer nofollow">help</a>');
    expect(clean('<a href=http://example.org>x</a>')).toBe('<a href="http://example.org/" rel="noopener noreferrer nofollow">x</a>');
  });

  it('drops links to scripts, data and relative places', () => {
    expect(clean('<a href="javascript:alert(1)">x</a>')).toBe('<a>x</a>');
    expect(clean('<a href="  JaVaScRiPt:alert(1)">x</a>')).toBe('<a>x</a>');
    expect(clean('<a href="java&#115;cript:alert(1)">x</a>')).toBe('<a>x</a>');
    expect(clean('<a href="data:text/html,<script>alert(1)</script>">x</a>')).toBe('<a>x</a>');
    expect(clean('<a href="/relative">x</a>')).toBe('<a>x</a>');
    expect(clean('<a>no href</a>')).toBe('<a>no href</a>');
  });

  it('removes scripts, styles and every other tag, keeping ordinary text', () => {
    expect(clean('Hi<script>alert(1)</script> there')).toBe('Hi there');
    expect(clean('<style>body{display:none}</style>ok')).toBe('ok');
    expect(clean('<img src=x onerror=alert(1)>ok')).toBe('ok');
    expect(clean('<iframe src="https://evil.example"></iframe>ok')).toBe('ok');
    expect(clean('<div class="x">in a div</div>')).toBe('in a div');
    expect(clean('<svg><script>alert(1)</script></svg>ok')).toBe('ok');
    expect(clean('<!-- a comment <script>alert(1)</script> -->ok')).toBe('ok');
    expect(clean('<b onmouseover="alert(1)">bold</b>')).toBe('<b>bold</b>');
  });

  it('escapes stray markup characters so they show as text', () => {
    expect(clean('1 < 2 > 0 & "quotes"')).toBe('1 &lt; 2 &gt; 0 &amp; &quot;quotes&quot;');
    expect(clean('&copy; 2025 &#8212; &amp; &nonsense')).toBe('&copy; 2025 &#8212; &amp; &amp;nonsense');
    expect(clean('<a href="https://x.example/">"><script>alert(1)</script></a>'))
      .toBe('<a href="https://x.example/" rel="noopener noreferrer nofollow">&quot;&gt;</a>');
    expect(clean('<b title="a>b">x</b>')).toBe('<b>x</b>');
  });

  it('closes what the admin left open and ignores stray closing tags', () => {
    expect(clean('<b>bold <i>both')).toBe('<b>bold <i>both</i></b>');
    expect(clean('</b>text</p>')).toBe('text');
    expect(clean('<b><i>x</b>y</i>')).toBe('<b><i>x</i></b>y');
    expect(clean('<p>one<p>two')).toBe('<p>one</p><p>two</p>');
    expect(clean('<a href="https://a.example/">a<a href="https://b.example/">b')).toContain('</a></a>');
  });

  it('is not fooled by an unfinished tag', () => {
    expect(clean('x <script')).toBe('x &lt;script');
    expect(clean('<scr<script>ipt>alert(1)</script>')).toBe('ipt&gt;alert(1)');
  });
});

describe('values written into the landing page', () => {
  it('escapes text for element bodies and attributes', () => {
    expect(escapeHtml(`<"it's" & co>`)).toBe('&lt;&quot;it&#39;s&quot; &amp; co&gt;');
  });

  it('writes JSON that cannot close its script element', () => {
    const json = inlineJson({ title: '</script><script>alert(1)</script>', c: '<!--', d: '\u2028' }).html;
    expect(json).not.toContain('<');
    expect(json).not.toContain('>');
    expect(JSON.parse(json)).toEqual({ title: '</script><script>alert(1)</script>', c: '<!--', d: '\u2028' });
  });
});
