/**
 * [ACT-9] Links in message text, for both apps' UIs: `linkify(text)` splits text into plain and link segments.
 * Only `http://` and `https://` URLs become links (never `javascript:`, `data:`, `file:` or bare domains), so an
 * app that opens `href` opens a web page and nothing else. Platform-free: no URL class, no DOM.
 */

export type TextSegment = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'link'; readonly text: string; readonly href: string };

/**
 * A URL starts at `http(s)://` (any case) after a non-word character and runs to whitespace, a `<>"` character or
 * CJK full-width punctuation (Chinese text puts no space before "，" or "。").
 */
const URL_START = /\bhttps?:\/\/[^\s<>"，。！？；：、（）【】「」《》]+/giu;
/** Punctuation that ends a sentence rather than the URL ("see https://x.org/a." or "(https://x.org)"). */
const TRAILING = /[.,;:!?'*_~]+$/u;
/** A host after the scheme: at least one character that is not a slash, query or fragment. */
const HAS_HOST = /^https?:\/\/[^/?#\s]/iu;

/** Whether `href` is a link `linkify` would make: http or https with a host. */
export function isSafeLink(href: string): boolean {
  return HAS_HOST.test(href) && !/[\s<>"]/u.test(href);
}

export function linkify(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let at = 0;
  const pushText = (t: string): void => {
    if (t.length === 0) return;
    const last = out.at(-1);
    if (last?.kind === 'text') out[out.length - 1] = { kind: 'text', text: last.text + t };
    else out.push({ kind: 'text', text: t });
  };
  for (const match of text.matchAll(URL_START)) {
    const start = match.index;
    let url = trimUnbalancedParen(match[0].replace(TRAILING, ''));
    url = url.replace(TRAILING, '');
    if (!isSafeLink(url)) continue;
    pushText(text.slice(at, start));
    out.push({ kind: 'link', text: url, href: url });
    at = start + url.length;
  }
  pushText(text.slice(at));
  return out;
}

/** "(see https://x.org/a)": the closing parenthesis is the sentence's unless the URL opened one (wiki links). */
function trimUnbalancedParen(url: string): string {
  let u = url;
  while (u.endsWith(')') && count(u, '(') < count(u, ')')) u = u.slice(0, -1);
  return u;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
