// Message text -> a list of plain segments and safe links. Rendered by <MessageText> with text
// interpolation only (never v-html), so a body like "<img onerror=...>" is shown, never run.

const URL_RE = /\b((?:https?:\/\/|www\.)[^\s<>"']+)/gi;
// Punctuation that usually closes the sentence rather than the URL.
const TRAILING_RE = /[).,;:!?'"\]]+$/;

/** The href for a matched URL, or null if it is not a safe http(s) link. */
export function safeHref(raw) {
  const candidate = /^www\./i.test(raw) ? `https://${raw}` : raw;
  try {
    const url = new URL(candidate);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.href;
  } catch {
    return null;
  }
}

/**
 * @param {string} text
 * @returns {Array<{type: 'text', text: string} | {type: 'link', text: string, href: string}>}
 */
export function linkify(text) {
  const source = String(text ?? '');
  const parts = [];
  let last = 0;
  for (const match of source.matchAll(URL_RE)) {
    let raw = match[0];
    const trailing = raw.match(TRAILING_RE);
    if (trailing) {
      // keep a closing parenthesis that has its opening one inside the URL
      let cut = trailing[0];
      if (cut.startsWith(')') && raw.slice(0, -cut.length).includes('(')) cut = cut.slice(1);
      raw = raw.slice(0, raw.length - cut.length);
    }
    const href = raw && safeHref(raw);
    if (!href) continue;
    const start = match.index;
    if (start > last) parts.push({ type: 'text', text: source.slice(last, start) });
    parts.push({ type: 'link', text: raw, href });
    last = start + raw.length;
  }
  if (last < source.length) parts.push({ type: 'text', text: source.slice(last) });
  return parts;
}
