// The emoji font the inbox ships (no CDN): @fontsource/noto-color-emoji, served from /static/ like
// every asset. Its CSS is split by unicode-range into 11 subsets, so a browser downloads only the
// subsets of the emoji a page shows (nothing for a page without emoji). This Vite plugin rewrites
// that CSS as it is imported (src/styles/emoji.css says where the family is used):
//  - the family is renamed 'Blazz Emoji', so a system font of the same name never stands in for it;
//  - the ranges lose every code point below U+0100 and U+2122 (digits, #, *, ©, ®, ™ are text
//    first: Noto's glyphs for them would turn every number in a message into emoji-font digits);
//  - only the woff2 files are kept (every browser the SPA supports reads woff2), so the woff copies
//    are not emitted.
export const EMOJI_CSS = /@fontsource\/noto-color-emoji\/400\.css$/;
export const FAMILY = 'Blazz Emoji';
const TEXT_FIRST = [[0, 0xff], [0x2122, 0x2122]];

function parseRange(part) {
  const [a, b] = part.trim().replace(/^U\+/i, '').split('-');
  return [parseInt(a, 16), parseInt(b ?? a, 16)];
}

const hex = (n) => n.toString(16);

/** A unicode-range value without the text-first code points ('' when nothing is left). */
export function emojiOnlyRange(value) {
  const out = [];
  for (const part of value.split(',')) {
    let [lo, hi] = parseRange(part);
    for (const [a, b] of TEXT_FIRST) {
      if (hi < a || lo > b) continue;
      if (lo >= a && hi <= b) {
        lo = null;
        break;
      }
      if (lo < a && hi > b) { // split around the hole
        out.push([lo, a - 1]);
        lo = b + 1;
      } else if (lo < a) hi = a - 1;
      else lo = b + 1;
    }
    if (lo != null) out.push([lo, hi]);
  }
  return out.map(([a, b]) => (a === b ? `U+${hex(a)}` : `U+${hex(a)}-${hex(b)}`)).join(',');
}

/** The package's CSS as the inbox uses it. */
export function rewriteEmojiCss(css) {
  return css
    .replace(/font-family:\s*'Noto Color Emoji'/g, `font-family: '${FAMILY}'`)
    .replace(/,\s*url\([^)]*\.woff\)\s*format\('woff'\)/g, '')
    .replace(/unicode-range:\s*([^;]+);/g, (_, range) => `unicode-range: ${emojiOnlyRange(range)};`);
}

export function emojiFont() {
  return {
    name: 'blazz-emoji-font',
    enforce: 'pre',
    transform(code, id) {
      if (!EMOJI_CSS.test(id.split('?')[0])) return null;
      return { code: rewriteEmojiCss(code), map: null };
    },
  };
}
