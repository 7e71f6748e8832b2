/** [ACT-9] linkify: http and https links only, cut where a sentence ends, the text around them kept exactly. */
import { describe, expect, it } from 'vitest';
import { isSafeLink, linkify, type TextSegment } from '../src/conversation/linkify.js';

const links = (text: string): string[] => linkify(text).flatMap((s) => (s.kind === 'link' ? [s.href] : []));
const joined = (segments: readonly TextSegment[]): string => segments.map((s) => s.text).join('');

describe('[ACT-9] linkify', () => {
  it('[ACT-9] finds http and https links and keeps every character of the text in order', () => {
    const text = 'see https://example.org/a?b=1#c and http://x.io, then HTTPS://CAPS.example/P';
    const segs = linkify(text);
    expect(joined(segs)).toBe(text);
    expect(links(text)).toEqual(['https://example.org/a?b=1#c', 'http://x.io', 'HTTPS://CAPS.example/P']);
    expect(segs[0]).toEqual({ kind: 'text', text: 'see ' });
  });

  it('[ACT-9] never links other schemes, bare domains or a scheme without a host', () => {
    for (const t of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://x.org', 'example.org', 'https://', 'http:///path', 'xhttps://a.org']) {
      expect(links(t)).toEqual([]);
      expect(linkify(t)).toEqual([{ kind: 'text', text: t }]);
    }
    expect(isSafeLink('javascript://example.org/%0aalert(1)')).toBe(false);
    expect(isSafeLink('https://example.org')).toBe(true);
  });

  it('[ACT-9] sentence punctuation and an unbalanced closing parenthesis stay text; balanced ones stay in the link', () => {
    expect(links('Go to https://a.org/x. Now!')).toEqual(['https://a.org/x']);
    expect(links('(see https://a.org/x)')).toEqual(['https://a.org/x']);
    expect(links('https://en.wikipedia.org/wiki/Foo_(bar)')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)']);
    expect(links('<https://a.org/x>"')).toEqual(['https://a.org/x']);
    expect(links('看这个https://a.org/路径，好的。')).toEqual(['https://a.org/路径']);
    expect(linkify('')).toEqual([]);
    expect(linkify('no links at all')).toEqual([{ kind: 'text', text: 'no links at all' }]);
  });
});
